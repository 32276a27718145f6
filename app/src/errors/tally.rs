//! How many error issues are new (first seen) and regressed (reopened by an
//! event after being resolved) over a span: per service on the Overview,
//! per deployment on the Deployments page. Counts only, no event contents,
//! so managers see them too (`CountErrors`).

use serde::{Deserialize, Serialize};

/// New and regressed issues over one span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueTally {
    pub new: i64,
    pub regressed: i64,
}

/// One service's tally over the Overview's last 24 hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTally {
    pub service: String,
    pub tally: IssueTally,
}

/// Hours the Overview's tally covers.
pub const OVERVIEW_HOURS: i64 = 24;
