//! What the SLO pages receive from the server.

use serde::{Deserialize, Serialize};

use super::budget::Budget;
use super::{Slo, SloVersion};
use crate::alerts::rule::Rule;

/// An SLO with its budget over its window now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloRow {
    pub slo: Slo,
    pub budget: Budget,
}

/// Every SLO, and whether the caller may change them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloList {
    pub rows: Vec<SloRow>,
    pub can_edit: bool,
}

/// One SLO's page: its budget, how that was computed, its versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloDetail {
    pub row: SloRow,
    /// How the budget was computed (`explain::sentence`).
    pub sentence: String,
    /// The series' stretch, in milliseconds (the chart's last one may be partial).
    pub step_ms: i64,
    pub versions: Vec<SloVersion>,
    /// The burn-rate alert rules generated from it.
    pub alerts: Vec<Rule>,
    pub can_edit: bool,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}
