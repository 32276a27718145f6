//! The time-window vocabulary every chart shares: the ranges a page offers
//! (`TimeRange`), the window a page's parameters ask for (`Window`, from
//! `window_for`) and the step its series use (`step_for`).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::url::present;

/// A chart never holds more points than this (the server picks the step).
pub const MAX_POINTS: i64 = 300;
/// A custom range may not be longer than this (a calendar month: a
/// report links to a service's month)…
pub const MAX_CUSTOM_DAYS: i64 = 31;
/// …nor start further back than this (older rollups are being dropped).
pub const OLDEST_DAYS: i64 = 90;
/// Steps a series may use, in minutes: round numbers so points line up with
/// clock time (and one-minute steps line up with live points).
const STEPS_MINUTES: [i64; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880];

/// The time ranges the Performance page offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeRange {
    Last15m,
    #[default]
    Last1h,
    Last6h,
    Last24h,
    Last7d,
    Last30d,
    Custom,
}

impl TimeRange {
    pub const ALL: [TimeRange; 7] = [
        TimeRange::Last15m,
        TimeRange::Last1h,
        TimeRange::Last6h,
        TimeRange::Last24h,
        TimeRange::Last7d,
        TimeRange::Last30d,
        TimeRange::Custom,
    ];

    /// The value in the page's URL (`range=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            TimeRange::Last15m => "15m",
            TimeRange::Last1h => "1h",
            TimeRange::Last6h => "6h",
            TimeRange::Last24h => "24h",
            TimeRange::Last7d => "7d",
            TimeRange::Last30d => "30d",
            TimeRange::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimeRange::Last15m => "Last 15 minutes",
            TimeRange::Last1h => "Last hour",
            TimeRange::Last6h => "Last 6 hours",
            TimeRange::Last24h => "Last 24 hours",
            TimeRange::Last7d => "Last 7 days",
            TimeRange::Last30d => "Last 30 days",
            TimeRange::Custom => "Custom",
        }
    }

    /// "Last hour · 2026-12-07 07:00 UTC to 2026-12-07 08:00 UTC": the heading
    /// over a page's charts of `[from, to]`.
    pub fn heading(self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        format!(
            "{} · {} to {}",
            self.label(),
            from.format("%Y-%m-%d %H:%M UTC"),
            to.format("%Y-%m-%d %H:%M UTC")
        )
    }

    pub fn parse(value: &str) -> Option<TimeRange> {
        TimeRange::ALL.into_iter().find(|range| range.as_str() == value)
    }

    /// How far back a relative range reaches; `None` for a custom one.
    pub fn span(self) -> Option<Duration> {
        match self {
            TimeRange::Last15m => Some(Duration::minutes(15)),
            TimeRange::Last1h => Some(Duration::hours(1)),
            TimeRange::Last6h => Some(Duration::hours(6)),
            TimeRange::Last24h => Some(Duration::hours(24)),
            TimeRange::Last7d => Some(Duration::days(7)),
            TimeRange::Last30d => Some(Duration::days(30)),
            TimeRange::Custom => None,
        }
    }
}

/// A page's time range as it stands in the URL (unparsed): `range`, and
/// `from` and `to` for a custom one ([`window_for`] reads them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeQuery {
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl RangeQuery {
    /// The query of the current URL.
    pub fn of(map: &leptos_router::params::ParamsMap) -> RangeQuery {
        RangeQuery {
            range: map.get("range"),
            from: map.get("from"),
            to: map.get("to"),
        }
    }

    /// The window it asks for at `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Result<Window, AppError> {
        window_for(&self.range, &self.from, &self.to, now)
    }
}

/// The window a page's `range` (and, for a custom one, `from` and `to`)
/// parameters ask for at `now`; errors name the offending parameter.
pub fn window_for(
    range: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
    now: DateTime<Utc>,
) -> Result<Window, AppError> {
    let range = match present(range) {
        None => TimeRange::default(),
        Some(value) => TimeRange::parse(value)
            .ok_or_else(|| AppError::validation("range", "Choose one of 15m, 1h, 6h, 24h, 7d, 30d or custom"))?,
    };
    let (from, to) = match range.span() {
        Some(span) => (now - span, now),
        None => {
            let from = parse_instant(present(from), "from")?;
            let to = parse_instant(present(to), "to")?;
            if to <= from {
                return Err(AppError::validation("to", "Must be after \"from\""));
            }
            if to - from > Duration::days(MAX_CUSTOM_DAYS) {
                return Err(AppError::validation(
                    "to",
                    format!("A custom range may span at most {MAX_CUSTOM_DAYS} days"),
                ));
            }
            if from < now - Duration::days(OLDEST_DAYS) {
                return Err(AppError::validation(
                    "from",
                    format!("Data older than {OLDEST_DAYS} days is not kept"),
                ));
            }
            (from, to)
        }
    };
    let step = step_for(to - from);
    Ok(Window {
        range,
        from: align_down(from, step),
        to,
        step,
    })
}

/// A parsed time window: series points start at `from` (aligned to `step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub step: Duration,
}

/// The smallest round step that keeps a series of `span` within `MAX_POINTS`
/// (one point more than `span / step` when the start is aligned down).
pub fn step_for(span: Duration) -> Duration {
    let minutes = span.num_minutes().max(1);
    let step = STEPS_MINUTES
        .into_iter()
        .find(|step| (minutes + step - 1) / step < MAX_POINTS)
        .unwrap_or(STEPS_MINUTES[STEPS_MINUTES.len() - 1]);
    Duration::minutes(step)
}

fn align_down(t: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    let secs = step.num_seconds().max(60);
    let aligned = t.timestamp() - t.timestamp().rem_euclid(secs);
    Utc.timestamp_opt(aligned, 0).single().unwrap_or(t)
}

/// RFC 3339, `YYYY-MM-DDTHH:MM` (a `datetime-local` field) or a date, in UTC.
fn parse_instant(value: Option<&str>, field: &str) -> Result<DateTime<Utc>, AppError> {
    let value = value.ok_or_else(|| AppError::validation(field, "Required for a custom range"))?;
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default());
    }
    Err(AppError::validation(
        field,
        "Use a date and time like 2026-11-24T09:30 (UTC)",
    ))
}
