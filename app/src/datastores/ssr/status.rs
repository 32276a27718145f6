//! A store's status from its newest reading (`data_store_status`) and its
//! firing alert rules: what the page's sections and tiles show.

use chrono::{DateTime, Duration, Utc};

use crate::health::Status;

/// A store whose newest reading is older than this counts as down.
pub const STALE_AFTER: Duration = Duration::minutes(5);

/// Down when the newest reading failed (saying why) or is missing;
/// degraded while one of its rules fires or when it was read with a
/// warning (a role without `pg_monitor`); up otherwise.
pub type Last = Option<(DateTime<Utc>, bool, Option<String>)>;

pub fn status_of(last: Last, firing: &[String]) -> (Status, Option<String>, Option<DateTime<Utc>>) {
    match last {
        None => (
            Status::Down,
            Some(format!(
                "No reading in the last {} minutes: the collector reads every OPSDECK_COLLECT_SECS seconds (0 turns it off).",
                STALE_AFTER.num_minutes()
            )),
            None,
        ),
        Some((at, false, reason)) => (
            Status::Down,
            Some(format!(
                "The last reading failed: {}",
                reason.unwrap_or_else(|| "no reason recorded".to_string())
            )),
            Some(at),
        ),
        Some((at, true, _)) if !firing.is_empty() => (
            Status::Degraded,
            Some(format!("Firing: {}", firing.join(", "))),
            Some(at),
        ),
        // Read, with a warning: a role without pg_monitor sees less.
        Some((at, true, Some(warning))) => (Status::Degraded, Some(warning), Some(at)),
        Some((at, true, _)) => (Status::Up, None, Some(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_reading_and_the_firing_rules() {
        let now = Utc::now();
        assert_eq!(status_of(None, &[]).0, Status::Down);
        let refused = status_of(Some((now, false, Some("Connection refused".to_string()))), &[]);
        assert_eq!(refused.0, Status::Down);
        assert_eq!(
            refused.1.as_deref(),
            Some("The last reading failed: Connection refused")
        );
        let (status, reason, _) = status_of(Some((now, true, None)), &["Redis memory above 90 %".to_string()]);
        assert_eq!(status, Status::Degraded);
        assert_eq!(reason.as_deref(), Some("Firing: Redis memory above 90 %"));
        assert_eq!(status_of(Some((now, true, None)), &[]), (Status::Up, None, Some(now)));
        let warned = status_of(Some((now, true, Some("Permission denied: no pg_monitor".into()))), &[]);
        assert_eq!(warned.0, Status::Degraded);
    }
}
