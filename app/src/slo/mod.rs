//! Service level objectives: what a service promises (availability or
//! latency, an objective over a window), its error budget, and the
//! burn-rate alert rules generated from it.
//!
//! This file holds the definition people write (`SloDraft`, stored as one
//! JSON document per version and exported as YAML) and its validation,
//! which runs on both sides. `form.rs` is the editor's form, `budget.rs`
//! the budget arithmetic (pure, table-tested), `explain.rs` the sentence
//! that says how a budget was computed, `api.rs` the server functions and
//! `ssr/` the services and queries under them.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod budget;
pub mod explain;
pub mod form;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod statuses;
pub mod views;

pub use api::*;

use crate::alerts::rule::text;
use crate::error::{AppError, FieldErrors};

/// The longest latency threshold: the longest request ingest accepts
/// (`metrics::ingest::MAX_DURATION_MS`; a test checks they agree).
pub const MAX_THRESHOLD_MS: f64 = 3_600_000.0;
/// Thresholds must lie above the histogram's zero bucket
/// (`metrics::ssr::histogram::MIN_INDEXABLE_MS`).
pub const MIN_THRESHOLD_MS: f64 = 1e-3;
/// How much slower than the threshold a request counted good may be, as a
/// fraction: a histogram bucket's width, γ − 1 with γ = 1.01 / 0.99.
pub const LATENCY_BOUND: f64 = (1.01 / 0.99) - 1.0;

/// What counts as a good event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SloKind {
    /// Responses that are not 5xx, or whose status is in a chosen set.
    Availability,
    /// Requests at most `threshold_ms` long (from the rollups' histograms).
    Latency,
}

impl SloKind {
    pub const ALL: [SloKind; 2] = [SloKind::Availability, SloKind::Latency];

    pub fn as_str(self) -> &'static str {
        match self {
            SloKind::Availability => "availability",
            SloKind::Latency => "latency",
        }
    }

    pub fn parse(word: &str) -> Option<SloKind> {
        SloKind::ALL.into_iter().find(|k| k.as_str() == word.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            SloKind::Availability => "Availability (requests that succeed)",
            SloKind::Latency => "Latency (requests faster than a threshold)",
        }
    }
}

/// The time an objective holds over: the last 7, 28 or 30 days, or the
/// calendar month (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SloWindow {
    #[serde(rename = "7d")]
    Rolling7,
    #[serde(rename = "28d")]
    Rolling28,
    #[serde(rename = "30d")]
    Rolling30,
    #[serde(rename = "month")]
    Month,
}

impl SloWindow {
    pub const ALL: [SloWindow; 4] = [
        SloWindow::Rolling7,
        SloWindow::Rolling28,
        SloWindow::Rolling30,
        SloWindow::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SloWindow::Rolling7 => "7d",
            SloWindow::Rolling28 => "28d",
            SloWindow::Rolling30 => "30d",
            SloWindow::Month => "month",
        }
    }

    pub fn parse(word: &str) -> Option<SloWindow> {
        SloWindow::ALL.into_iter().find(|w| w.as_str() == word.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            SloWindow::Rolling7 => "rolling 7 days",
            SloWindow::Rolling28 => "rolling 28 days",
            SloWindow::Rolling30 => "rolling 30 days",
            SloWindow::Month => "calendar month (UTC)",
        }
    }

    /// The most days the window spans (a calendar month: 31).
    pub fn max_days(self) -> u32 {
        match self {
            SloWindow::Rolling7 => 7,
            SloWindow::Rolling28 => 28,
            SloWindow::Rolling30 => 30,
            SloWindow::Month => 31,
        }
    }

    /// The window that holds at `now`: `[now − N days, now)` for a rolling
    /// window, the month `now` is in (UTC) for a calendar one.
    pub fn period(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            SloWindow::Month => month_of(now),
            rolling => (now - Duration::days(i64::from(rolling.max_days())), now),
        }
    }
}

/// The calendar month (UTC) `at` falls in: `[first day 00:00, next first day 00:00)`.
pub fn month_of(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |year: i32, month: u32| Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single().unwrap_or(at);
    let (year, month) = (at.year(), at.month());
    let next = if month == 12 {
        start(year + 1, 1)
    } else {
        start(year, month + 1)
    };
    (start(year, month), next)
}

/// An SLO's definition: what is saved, versioned, diffed and exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub service: String,
    /// One endpoint of the service, or all of them when `None`.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub kind: SloKind,
    /// Availability: the statuses that count as good ("200-399, 404");
    /// `None`: every response that is not 5xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_statuses: Option<String>,
    /// Latency: requests at most this long (ms) are good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_ms: Option<f64>,
    /// The share of good events promised, in percent, in (0, 100).
    pub objective: f64,
    pub window: SloWindow,
}

/// A stored SLO.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    pub id: i64,
    pub version: i32,
    pub draft: SloDraft,
    pub updated_at: DateTime<Utc>,
}

/// One saved version of an SLO.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloVersion {
    pub version: i32,
    pub definition: SloDraft,
    pub saved_by: Option<String>,
    pub saved_at: DateTime<Utc>,
}

/// How many days of history each kind of SLO reads, and where that is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Raw request events (a status set is counted from them).
    pub raw_days: u32,
    /// The per-minute and per-hour rollups (everything else).
    pub rollup_days: u32,
}

impl SloDraft {
    /// Checks every field; the error names every wrong one.
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = FieldErrors::default();
        errors.take(text("name", &self.name, 1, 120));
        errors.take(text("description", &self.description, 0, 2000));
        errors.take(text("service", &self.service, 1, 200));
        if let Some(endpoint) = &self.endpoint {
            errors.take(text("endpoint", endpoint, 1, 200));
        }
        if !self.objective.is_finite() {
            errors.push("objective", "Enter a number");
        } else if self.objective <= 0.0 || self.objective >= 100.0 {
            errors.push(
                "objective",
                "Between 0 and 100 %, both excluded (100 % leaves no error budget), e.g. 99.9",
            );
        }
        match (self.kind, &self.good_statuses, self.threshold_ms) {
            (SloKind::Availability, Some(set), _) => {
                errors.take(statuses::parse(set).map(drop));
            }
            (SloKind::Latency, _, None) => errors.push("threshold_ms", "Latency SLOs need a threshold (ms)"),
            (SloKind::Latency, _, Some(ms)) => {
                errors.take(check_threshold(ms));
            }
            _ => {}
        }
        if self.kind == SloKind::Availability && self.threshold_ms.is_some() {
            errors.push("threshold_ms", "Leave empty: only latency SLOs have a threshold");
        }
        if self.kind == SloKind::Latency && self.good_statuses.is_some() {
            errors.push("good_statuses", "Leave empty: only availability SLOs pick statuses");
        }
        errors.check()
    }

    /// Whether good events are counted from raw request events (a chosen
    /// status set: the rollups keep only the 5xx count).
    pub fn reads_raw_events(&self) -> bool {
        self.kind == SloKind::Availability && self.good_statuses.is_some()
    }

    /// Refuses a window longer than the history it reads is kept, naming
    /// the retention to raise.
    pub fn check_retention(&self, kept: Retention) -> Result<(), AppError> {
        // Retention keeps the daily partitions of the last N days and of
        // today (`partitions.rs`), so N days cover a rolling N-day window.
        let needed = self.window.max_days();
        let (days, label, variable) = if self.reads_raw_events() {
            (
                kept.raw_days,
                "Raw request events and metric samples (days)",
                "OPSDECK_RETENTION_RAW_DAYS",
            )
        } else {
            (
                kept.rollup_days,
                "Rollups, per minute and per hour (days)",
                "OPSDECK_RETENTION_ROLLUP_DAYS",
            )
        };
        if days >= needed {
            return Ok(());
        }
        Err(AppError::validation(
            "window",
            format!(
                "A {} window needs {needed} days of history, but it is kept {days} days: raise “{label}” \
                 in Settings › Monitoring (or {variable}) to at least {needed}, or choose a shorter window",
                self.window.label()
            ),
        ))
    }
}

/// A latency threshold the histogram can tell apart: above its zero bucket
/// and at most the longest request ingest accepts.
fn check_threshold(ms: f64) -> Result<(), AppError> {
    if !ms.is_finite() {
        return Err(AppError::validation("threshold_ms", "Enter a number"));
    }
    if ms <= MIN_THRESHOLD_MS || ms > MAX_THRESHOLD_MS {
        return Err(AppError::validation(
            "threshold_ms",
            format!(
                "Beyond the latency histogram's range: more than {MIN_THRESHOLD_MS} ms and at most {} ms (one hour)",
                MAX_THRESHOLD_MS as i64
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
