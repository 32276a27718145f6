//! Alerting: rules over the stored metrics, the state machine the evaluator
//! and backtests share, silences, notification channels, and rules as files.
//!
//! This file holds the words every part uses (states, aggregations,
//! severities…) and what a rule watches. The types the pages and the server
//! share are in one file per subject: `rule.rs` and `form.rs` (a rule and
//! its editor's form), `state.rs` (the state machine), `silence.rs` and
//! `silence_form.rs`, `notify.rs` (channels and notifications), `files.rs`
//! (import plans), `views.rs` (what the rule pages receive). The server
//! functions are in `api.rs` (rules), `silences_api.rs`, `channels_api.rs`
//! and `files_api.rs`; the services and queries they call in `ssr/`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod api;
pub mod channels_api;
pub mod errors_link;
pub mod files;
pub mod files_api;
pub mod form;
pub mod rule;
#[cfg(feature = "ssr")]
pub mod settings;
pub mod silence;
pub mod silence_form;
pub mod silences_api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod state;
pub mod views;

pub use api::*;
pub use channels_api::*;
pub use files_api::*;
pub use silences_api::*;

/// An enum stored and shown as fixed lowercase words: `ALL`, `as_str`, `parse`.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let word = String::deserialize(deserializer)?;
                $name::parse(&word).ok_or_else(|| {
                    let words: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!("{word:?} is not one of {}", words.join(", ")))
                })
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(word: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }
    };
}

pub mod notify;

words! {
    /// Where a rule is in its life.
    AlertState {
        Normal => "normal",
        Pending => "pending",
        Firing => "firing",
        Resolved => "resolved",
        NoData => "nodata",
        Error => "error",
    }
}

impl AlertState {
    /// Whether a rule in this state counts as active (the Alerts page, and
    /// the silences a cycle notes as matched).
    pub fn is_active(self) -> bool {
        matches!(self, AlertState::Firing | AlertState::Pending)
    }
}

words! {
    /// How a rule turns the watched series into one value per evaluation.
    Aggregation {
        P50 => "p50",
        P95 => "p95",
        P99 => "p99",
        AvgLatency => "avg_latency",
        MaxLatency => "max_latency",
        Throughput => "throughput",
        ErrorRate => "error_rate",
        MetricMin => "min",
        MetricMax => "max",
        MetricAvg => "avg",
        MetricLast => "last",
        LogLines => "log_lines",
        ErrorEvents => "error_events",
        NewErrorIssues => "new_error_issues",
        RegressedErrorIssues => "regressed_error_issues",
        SloBurnRate => "slo_burn_rate",
    }
}

impl Aggregation {
    /// Whether the rule reads request events (else a metric's samples or log lines).
    pub fn reads_requests(self) -> bool {
        !self.reads_metric() && !self.reads_logs() && !self.reads_errors() && !self.reads_slo()
    }

    /// Whether the rule is an SLO's burn rate: the SLO (label matcher
    /// `slo=<id>`) counts its good and bad events; the value is the lower of
    /// the burn rates over the window and over its last twelfth (the SRE
    /// Workbook's multiwindow pairs: 1 h and 5 min, 6 h and 30 min, 3 days
    /// and 6 h), so the rule fires only while both exceed the threshold.
    pub fn reads_slo(self) -> bool {
        self == Aggregation::SloBurnRate
    }

    /// Whether the rule reads a metric's samples.
    pub fn reads_metric(self) -> bool {
        matches!(
            self,
            Aggregation::MetricMin | Aggregation::MetricMax | Aggregation::MetricAvg | Aggregation::MetricLast
        )
    }

    /// Whether the rule counts log lines matching its log query.
    pub fn reads_logs(self) -> bool {
        self == Aggregation::LogLines
    }

    /// Whether the rule counts error events or issues (`errors::ssr::counts`).
    pub fn reads_errors(self) -> bool {
        matches!(
            self,
            Aggregation::ErrorEvents | Aggregation::NewErrorIssues | Aggregation::RegressedErrorIssues
        )
    }

    /// Whether the rule's value is a count of things per window (log lines,
    /// error events or issues): a window without any counts 0, not "no data".
    pub fn counts(self) -> bool {
        self.reads_logs() || self.reads_errors()
    }

    pub fn label(self) -> &'static str {
        match self {
            Aggregation::P50 => "P50 latency (ms)",
            Aggregation::P95 => "P95 latency (ms)",
            Aggregation::P99 => "P99 latency (ms)",
            Aggregation::AvgLatency => "Average latency (ms)",
            Aggregation::MaxLatency => "Maximum latency (ms)",
            Aggregation::Throughput => "Throughput (requests/s)",
            Aggregation::ErrorRate => "Error rate (%)",
            Aggregation::MetricMin => "Metric minimum",
            Aggregation::MetricMax => "Metric maximum",
            Aggregation::MetricAvg => "Metric average",
            Aggregation::MetricLast => "Metric last value",
            Aggregation::LogLines => "Matching log lines",
            Aggregation::ErrorEvents => "Error events",
            Aggregation::NewErrorIssues => "New error issues",
            Aggregation::RegressedErrorIssues => "Regressed error issues",
            Aggregation::SloBurnRate => "SLO burn rate (× the budget's pace)",
        }
    }
}

words! {
    Comparator {
        Gt => ">",
        Ge => ">=",
        Lt => "<",
        Le => "<=",
    }
}

impl Comparator {
    /// Whether `value <comparator> threshold` holds.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparator::Gt => value > threshold,
            Comparator::Ge => value >= threshold,
            Comparator::Lt => value < threshold,
            Comparator::Le => value <= threshold,
        }
    }
}

words! {
    /// What an evaluation without data does.
    NoDataPolicy {
        Keep => "keep",
        Alert => "alert",
        Ok => "ok",
    }
}

words! {
    /// Why a silence ended before its end time: someone ended it, or every
    /// alert it matched resolved (when the silence asked for that).
    SilenceEnd {
        Ended => "ended",
        Resolved => "resolved",
    }
}

words! {
    Severity {
        Critical => "critical",
        Warning => "warning",
        Info => "info",
    }
}

/// The series a rule watches and how it reduces it to a value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Watched {
    pub service: String,
    /// Request rules: one endpoint, or all when `None`.
    pub endpoint: Option<String>,
    /// Metric rules: the metric's name.
    pub metric: Option<String>,
    /// Metric rules: labels a sample must carry (all of them).
    pub matchers: BTreeMap<String, String>,
    /// Log rules: the lines of `service` counted (the Logs page's query
    /// language); `None` counts every line. Left out of the stored JSON when
    /// absent, so the conditions of other rules read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_query: Option<String>,
    /// Error rules (`error_events`): one issue's events, or the service's when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_issue: Option<i64>,
    pub aggregation: Aggregation,
    /// The value aggregates the last `window_secs` (whole minutes).
    pub window_secs: i64,
}

/// Everything that decides a rule's state; saving a rule whose condition is
/// unchanged keeps its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub watched: Watched,
    pub thresholds: state::Thresholds,
}
