//! The Health page's data: the `/ready` checks that Opsdeck samples into its
//! own metrics (service `opsdeck`, `health.<check>.response_ms` and
//! `health.<check>.up` = 1 up, 0.5 degraded, 0 down; see the server's
//! `self_monitor`), read back as response-time series and as the spans of
//! time when a check was degraded or down. The server function is in
//! `health/api.rs`, the reading in `health/ssr/history.rs`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Status;
use crate::metrics::MetricPoint;
use crate::metrics::window::TimeRange;

/// The checks `/ready` runs, as named in the metric names.
pub const CHECKS: [&str; 2] = ["database", "redis"];
/// The page lists at most this many incidents per check, newest first.
pub const MAX_INCIDENTS: usize = 50;
/// Problem minutes this close together count as one incident.
const INCIDENT_GAP: i64 = 2;

/// The page's query as it stands in the URL (unparsed).
pub use crate::metrics::window::RangeQuery as HealthQuery;

/// Everything the Health page shows for one time range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthHistory {
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub step_secs: i64,
    /// A check slower than this many milliseconds counts as degraded.
    pub degraded_ms: u64,
    pub checks: Vec<CheckHistory>,
}

/// One check over the window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckHistory {
    /// `database` or `redis`.
    pub check: String,
    /// Response time per step.
    pub response: Vec<MetricPoint>,
    /// Minutes with at least one sample, and those with a degraded or down one.
    pub minutes_sampled: i64,
    pub minutes_with_problems: i64,
    /// Newest first, at most `MAX_INCIDENTS`.
    pub incidents: Vec<Incident>,
    /// The newest sample in the window.
    pub latest: Option<LatestCheck>,
}

impl CheckHistory {
    /// Display name of the checked service.
    pub fn title(&self) -> &'static str {
        match self.check.as_str() {
            "database" => "Postgres",
            "redis" => "Redis",
            _ => "Other",
        }
    }

    /// Share of sampled minutes without a problem; `None` without samples.
    pub fn availability(&self) -> Option<f64> {
        (self.minutes_sampled > 0).then(|| 1.0 - self.minutes_with_problems as f64 / self.minutes_sampled as f64)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatestCheck {
    pub at: DateTime<Utc>,
    pub status: Status,
    pub response_ms: f64,
}

/// A stretch of minutes in which a check was degraded or down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub from: DateTime<Utc>,
    /// End of the last problem minute.
    pub to: DateTime<Utc>,
    /// `Down` when any sample in it was down, else `Degraded`.
    pub worst: Status,
}

/// The status an `up` sample value stands for.
pub fn status_of(up: f64) -> Status {
    if up >= 1.0 {
        Status::Up
    } else if up > 0.0 {
        Status::Degraded
    } else {
        Status::Down
    }
}

/// Incidents from the per-minute `up` series (ascending by minute): minutes
/// whose lowest sample was below "up", merged when at most `INCIDENT_GAP`
/// minutes apart. Oldest first.
pub fn incidents(up_minutes: &[MetricPoint]) -> Vec<Incident> {
    let mut found: Vec<Incident> = Vec::new();
    for minute in up_minutes.iter().filter(|m| m.min < 1.0) {
        let worst = status_of(minute.min);
        let end = minute.t + Duration::minutes(1);
        match found.last_mut() {
            Some(last) if minute.t - last.to <= Duration::minutes(INCIDENT_GAP - 1) => {
                last.to = end;
                last.worst = last.worst.max(worst);
            }
            _ => found.push(Incident {
                from: minute.t,
                to: end,
                worst,
            }),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn minute(m: i64, min: f64) -> MetricPoint {
        MetricPoint {
            t: Utc
                .timestamp_opt(1_764_000_000 + m * 60, 0)
                .single()
                .expect("a valid instant"),
            count: 4,
            min,
            max: 1.0,
            avg: 1.0,
            last: 1.0,
        }
    }

    #[test]
    fn healthy_minutes_make_no_incident() {
        assert!(incidents(&[minute(0, 1.0), minute(1, 1.0)]).is_empty());
    }

    #[test]
    fn adjacent_problem_minutes_are_one_incident_with_the_worst_state() {
        let found = incidents(&[
            minute(0, 1.0),
            minute(1, 0.5),
            minute(2, 0.0),
            minute(3, 0.5),
            minute(4, 1.0),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].from, minute(1, 0.0).t);
        assert_eq!(found[0].to, minute(4, 0.0).t);
        assert_eq!(found[0].worst, Status::Down);
    }

    #[test]
    fn a_missing_minute_does_not_split_an_incident_but_a_longer_gap_does() {
        let found = incidents(&[minute(0, 0.5), minute(2, 0.5), minute(5, 0.5)]);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].from, found[0].to), (minute(0, 0.0).t, minute(3, 0.0).t));
        assert_eq!(found[0].worst, Status::Degraded);
        assert_eq!(found[1].from, minute(5, 0.0).t);
    }

    #[test]
    fn up_values_map_to_statuses() {
        assert_eq!(status_of(1.0), Status::Up);
        assert_eq!(status_of(0.5), Status::Degraded);
        assert_eq!(status_of(0.0), Status::Down);
    }
}
