//! Events per issue over a range, read from the two count tiers the way the
//! metrics rollups are read: whole hours from `error_issue_hours`, and only
//! the partial hours at the range's edges from `error_issue_minutes`. Every
//! read of per-issue counts (the Errors list and its sparklines, the Issue
//! page's occurrences, the error alert rules) builds its rows here, so the
//! split is made in one place (the metrics' [`hour_span`] rule).
//!
//! An hour's row is the sum of its minutes' rows (`store`, `merge` and
//! `unmerge` write both), so the split never changes a count.

use chrono::{DateTime, Duration, Utc};

use crate::metrics::ssr::queries::hour_span;

/// Where a range `[from, to)` reads hours: `[first_hour, end_hour)`, empty
/// (both `to`) when no whole hour may be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourSplit {
    pub first_hour: DateTime<Utc>,
    pub end_hour: DateTime<Utc>,
}

impl HourSplit {
    /// The whole hours of `[from, to)` that fall into one output step each
    /// (`step`; `None` when the range is one total): all of them then, or
    /// when steps are whole hours starting on an hour; none otherwise.
    pub fn of(from: DateTime<Utc>, to: DateTime<Utc>, step: Option<Duration>) -> HourSplit {
        let (first_hour, end_hour) = hour_span(from, to, step);
        HourSplit { first_hour, end_hour }
    }
}

/// SQL for the rows `(issue_id, t, events)` that count `[from, to)`: minute
/// rows in `[from, first_hour)`, hour rows in `[first_hour, end_hour)` and
/// minute rows in `[end_hour, to)`, each `t` the row's minute or hour. The
/// four bounds are SQL expressions (the caller's placeholders, bound from an
/// [`HourSplit`]); `filter` is a condition on `issue_id` (or `true`). Both
/// are the caller's constants, never input.
pub fn counts_sql(from: &str, first_hour: &str, end_hour: &str, to: &str, filter: &str) -> String {
    let minutes = |lower: &str, upper: &str| {
        format!(
            "SELECT issue_id, minute AS t, events::bigint AS events FROM error_issue_minutes \
             WHERE minute >= {lower} AND minute < {upper} AND {filter}"
        )
    };
    format!(
        "{} UNION ALL \
         SELECT issue_id, hour AS t, events FROM error_issue_hours \
         WHERE hour >= {first_hour} AND hour < {end_hour} AND {filter} \
         UNION ALL {}",
        minutes(from, first_hour),
        minutes(end_hour, to),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).single().expect("instant")
    }

    #[test]
    fn a_range_reads_its_whole_hours_and_minutes_only_at_the_edges() {
        // 10:20 to 15:40 as one total: hours 11:00–15:00, minutes on either side.
        let split = HourSplit::of(at(10, 20), at(15, 40), None);
        assert_eq!((split.first_hour, split.end_hour), (at(11, 0), at(15, 0)));
        // On the hour at both ends: all hours.
        let split = HourSplit::of(at(10, 0), at(15, 0), None);
        assert_eq!((split.first_hour, split.end_hour), (at(10, 0), at(15, 0)));
        // Hourly steps from an hour: hours; per-minute or 5-minute steps: none.
        let split = HourSplit::of(at(10, 0), at(15, 40), Some(Duration::hours(1)));
        assert_eq!((split.first_hour, split.end_hour), (at(10, 0), at(15, 0)));
        for step in [Duration::minutes(1), Duration::minutes(5)] {
            let split = HourSplit::of(at(10, 0), at(15, 40), Some(step));
            assert_eq!((split.first_hour, split.end_hour), (at(15, 40), at(15, 40)));
        }
        // Less than a whole hour: minutes only.
        let split = HourSplit::of(at(10, 20), at(11, 10), None);
        assert_eq!(split.first_hour, split.end_hour);
    }

    #[test]
    fn the_sql_names_each_tier_once_per_part() {
        let sql = counts_sql("$1", "$2", "$3", "$4", "issue_id = ANY($5)");
        assert_eq!(sql.matches("FROM error_issue_minutes").count(), 2);
        assert_eq!(sql.matches("FROM error_issue_hours").count(), 1);
        assert!(sql.contains("minute >= $1 AND minute < $2"));
        assert!(sql.contains("hour >= $2 AND hour < $3"));
        assert!(sql.contains("minute >= $3 AND minute < $4"));
    }
}
