//! What the rule pages receive from their server functions (`api.rs`): the
//! Alerts overview with its history filter, one rule's page, and a draft
//! rule's preview. The Silences, Channels and import pages' payloads live
//! with their subjects (`silence.rs`, `notify.rs`, `files.rs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Severity;
use super::notify::Delivery;
use super::rule::{Rule, StoredEvent, StoredVersion};
use super::silence::Silence;
use super::state::Backtest;

/// The Alerts page: what is firing or pending now, and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertsOverview {
    /// Firing alerts per severity (critical, warning, info).
    pub firing: Vec<(Severity, i64)>,
    /// Rules firing or pending, firing and most severe first.
    pub active: Vec<Rule>,
    /// State changes matching the filter, newest first.
    pub events: Vec<StoredEvent>,
    /// Every rule, for the filter.
    pub rules: Vec<(i64, String)>,
    /// Silences in force now (an active alert they match sends nothing).
    pub silences: Vec<Silence>,
    pub can_edit: bool,
    /// Whether the viewer may read the audit log (its links are shown).
    pub can_read_audit: bool,
}

/// The history filter, as in the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFilter {
    pub severity: Option<String>,
    pub state: Option<String>,
    pub rule: Option<String>,
    /// Only events from the last N hours (`24`, `168`…); all when empty.
    pub hours: Option<String>,
}

/// One rule's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleDetail {
    pub rule: Rule,
    pub versions: Vec<StoredVersion>,
    pub events: Vec<StoredEvent>,
    /// The rule's notifications, newest first, each with its attempts.
    pub deliveries: Vec<Delivery>,
    pub can_edit: bool,
    pub can_read_audit: bool,
}

/// The watched series of a draft rule and, when asked, its backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The rule's value every `step_secs`, `None` where there was no data.
    pub series: Vec<(DateTime<Utc>, Option<f64>)>,
    pub step_secs: i64,
    pub threshold: f64,
    pub recovery_threshold: Option<f64>,
    pub backtest: Option<Backtest>,
}
