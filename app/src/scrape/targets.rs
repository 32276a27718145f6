//! Scrape targets as pages and server functions see them, and the form
//! that adds or changes one (checked on the server, `ssr::targets`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A new target's interval and timeout, in seconds.
pub const DEFAULT_INTERVAL_SECS: i32 = 15;
pub const DEFAULT_TIMEOUT_SECS: i32 = 10;
/// Bounds of a target's interval and timeout (a timeout is at most the interval).
pub const MIN_INTERVAL_SECS: i32 = 5;
pub const MAX_INTERVAL_SECS: i32 = 3600;
pub const MAX_TIMEOUT_SECS: i32 = 60;
/// Largest exposition read from a target; a bigger one is a scrape error.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One target, without its token (only whether it has one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScrapeTarget {
    pub id: i64,
    /// The service its samples are stored under.
    pub service: String,
    pub url: String,
    pub interval_secs: i32,
    pub timeout_secs: i32,
    /// Added to every series (with `instance`, the URL's host and port).
    pub labels: BTreeMap<String, String>,
    pub has_token: bool,
    pub enabled: bool,
    pub last: Option<LastScrape>,
}

/// How the last scrape went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastScrape {
    pub at: DateTime<Utc>,
    pub duration_ms: f64,
    /// Samples read (0 when it failed).
    pub samples: i32,
    /// Why it failed; `None` when it worked.
    pub error: Option<String>,
}

impl ScrapeTarget {
    /// The labels as the form shows them: `name=value`, one per line.
    pub fn labels_text(&self) -> String {
        self.labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One series of a target, with its latest value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    pub name: String,
    /// `name="value", …` as Prometheus writes them.
    pub labels: String,
    pub value: f64,
    pub at: DateTime<Utc>,
}

/// A target's page: the target and its series' latest values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetDetail {
    pub target: ScrapeTarget,
    pub series: Vec<SeriesRow>,
    /// More series than the page lists.
    pub more_series: bool,
}

/// The add and edit form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub interval_secs: String,
    #[serde(default)]
    pub timeout_secs: String,
    /// `name=value`, one per line.
    #[serde(default)]
    pub labels: String,
    /// Empty keeps the stored token (or none).
    #[serde(default)]
    pub bearer_token: String,
    /// A checkbox: present to forget the stored token.
    #[serde(default)]
    pub clear_token: Option<String>,
    /// A checkbox: present when checked.
    #[serde(default)]
    pub enabled: Option<String>,
}

impl TargetForm {
    /// A new target's starting point.
    pub fn new_target() -> Self {
        TargetForm {
            interval_secs: DEFAULT_INTERVAL_SECS.to_string(),
            timeout_secs: DEFAULT_TIMEOUT_SECS.to_string(),
            enabled: Some("on".into()),
            ..TargetForm::default()
        }
    }

    /// The form of a stored target (never its token).
    pub fn of(target: &ScrapeTarget) -> Self {
        TargetForm {
            service: target.service.clone(),
            url: target.url.clone(),
            interval_secs: target.interval_secs.to_string(),
            timeout_secs: target.timeout_secs.to_string(),
            labels: target.labels_text(),
            bearer_token: String::new(),
            clear_token: None,
            enabled: target.enabled.then(|| "on".into()),
        }
    }
}
