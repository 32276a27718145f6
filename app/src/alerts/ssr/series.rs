//! The data a rule watches, per minute, and the value it reduces a window of
//! minutes to. The live evaluator reads the minutes of one window; a
//! backtest reads the whole range once and slides the window over it; both
//! call [`value_at`], so they agree on every value.
//!
//! A log rule's value is the number of its service's lines matching its
//! query in the window; a window without lines is 0, not "no data" (as a
//! throughput is), so a `< 1` rule fires when a heartbeat line stops and
//! the rule's no-data policy never applies to it. Error rules count the
//! same way: events (of the service or one issue), or issues first seen,
//! or issues regressed in the window.

use chrono::{DateTime, Duration, DurationRound, SubsecRound, Utc};
use sqlx::PgConnection;

use super::burn::{self, BurnMinutes};
use crate::alerts::state::Observation;
use crate::alerts::{Aggregation, Watched};
use crate::errors::ssr::counts;
use crate::logs::query::Query;
use crate::logs::ssr::counts::per_minute;
use crate::logs::ssr::search::Span;
use crate::metrics::MetricPoint;
use crate::metrics::ssr::merged::Merged;
use crate::metrics::ssr::queries::{metric_series, request_minutes};

/// A rule's watched series, one entry per minute with data, ascending.
#[derive(Clone, Debug)]
pub enum Minutes {
    Requests(Vec<Merged<DateTime<Utc>>>),
    Metric(Vec<MetricPoint>),
    /// `(minute, count)`: matching log lines, error events or issues.
    Counts(Vec<(DateTime<Utc>, i64)>),
    /// An SLO's events (burn-rate rules).
    Burn(BurnMinutes),
}

/// The minutes of `watched` in `[from, to)`, for windows slid over them.
pub async fn load(
    conn: &mut PgConnection,
    watched: &Watched,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Minutes> {
    load_as(conn, watched, from, to, false).await
}

/// What `watched` shows in the one window `[from, to)`: [`load`]'s
/// minutes, except that error events come as whole hours where they can
/// (a row per hour, at its start), which only a sum over exactly this
/// window may use.
pub async fn load_window(
    conn: &mut PgConnection,
    watched: &Watched,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Minutes> {
    load_as(conn, watched, from, to, true).await
}

async fn load_as(
    conn: &mut PgConnection,
    watched: &Watched,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    whole: bool,
) -> sqlx::Result<Minutes> {
    if watched.aggregation.reads_slo() {
        Ok(Minutes::Burn(burn::load(conn, watched, from, to).await?))
    } else if watched.aggregation.reads_logs() {
        // The stored query was checked when saved; one that no longer reads
        // is this rule's error (`observe`), never another rule's.
        let query = Query::parse(watched.log_query.as_deref().unwrap_or_default())
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?
            .in_service(&watched.service);
        Ok(Minutes::Counts(per_minute(conn, &query, Span { from, to }).await?))
    } else if watched.aggregation.reads_errors() {
        let service = &watched.service;
        Ok(Minutes::Counts(match watched.aggregation {
            Aggregation::NewErrorIssues => counts::new_issues_per_minute(conn, service, from, to).await?,
            Aggregation::RegressedErrorIssues => counts::regressed_per_minute(conn, service, from, to).await?,
            _ => counts::events_per_minute(conn, service, watched.error_issue, from, to, whole).await?,
        }))
    } else if watched.aggregation.reads_requests() {
        let rows = request_minutes(conn, &watched.service, watched.endpoint.as_deref(), from, to).await?;
        Ok(Minutes::Requests(rows))
    } else {
        let name = watched.metric.as_deref().unwrap_or_default();
        // `metric_series` labels each bin from its `from`: starting at a
        // whole minute makes every label the minute itself (as the request
        // minutes are), so [`value_at`] can compare it with any window's
        // bounds. Starting at `from` labelled a minute up to 59 s early, and
        // with `from` at nanosecond precision (bound at microseconds) the
        // first bin fell before `from` and out of the window: a 60 s window
        // never had data. The extra minute this may read is left out by
        // [`value_at`]'s window.
        let rows = metric_series(
            conn,
            &watched.service,
            name,
            &watched.matchers,
            whole_minute(from),
            to,
            Duration::minutes(1),
        )
        .await?;
        Ok(Minutes::Metric(rows))
    }
}

/// The start of the minute `t` falls in.
fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).unwrap_or(t)
}

/// "Now" at the precision Postgres stores (microseconds), so an instant
/// recorded with a rule's state and read back, or bound into a query, is the
/// instant its window was computed from. Every caller that evaluates rules
/// now takes its time here.
pub fn evaluation_time() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The window an evaluation at `at` aggregates: `[at − window, at)`.
pub fn window(watched: &Watched, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (at - Duration::seconds(watched.window_secs), at)
}

/// The rule's value at `at` from `minutes` (which must cover its window).
pub fn value_at(watched: &Watched, minutes: &Minutes, at: DateTime<Utc>) -> Observation {
    let (from, to) = window(watched, at);
    let window_secs = watched.window_secs.max(60) as f64;
    match minutes {
        Minutes::Requests(rows) => {
            let mut rows = in_window(rows, |m| m.key, from, to).iter();
            let Some(first) = rows.next() else {
                return match watched.aggregation {
                    Aggregation::Throughput => Observation::Value(0.0),
                    _ => Observation::NoData,
                };
            };
            let mut total = first.clone();
            for row in rows {
                total.merge(row);
            }
            if total.count == 0 {
                return Observation::NoData;
            }
            Observation::Value(match watched.aggregation {
                Aggregation::P50 => total.quantile(0.50),
                Aggregation::P95 => total.quantile(0.95),
                Aggregation::P99 => total.quantile(0.99),
                Aggregation::AvgLatency => total.avg_ms(),
                Aggregation::MaxLatency => total.max_ms,
                Aggregation::Throughput => total.count as f64 / window_secs,
                Aggregation::ErrorRate => 100.0 * total.error_rate(),
                _ => return Observation::Error("a request rule with a metric aggregation".into()),
            })
        }
        Minutes::Metric(rows) => {
            let rows = in_window(rows, |m| m.t, from, to);
            let count: i64 = rows.iter().map(|m| m.count).sum();
            let Some(newest) = rows.last() else {
                return Observation::NoData;
            };
            if count == 0 {
                return Observation::NoData;
            }
            Observation::Value(match watched.aggregation {
                Aggregation::MetricMin => rows.iter().map(|m| m.min).fold(f64::INFINITY, f64::min),
                Aggregation::MetricMax => rows.iter().map(|m| m.max).fold(f64::NEG_INFINITY, f64::max),
                Aggregation::MetricAvg => rows.iter().map(|m| m.avg * m.count as f64).sum::<f64>() / count as f64,
                Aggregation::MetricLast => newest.last,
                _ => return Observation::Error("a metric rule with a request aggregation".into()),
            })
        }
        Minutes::Counts(rows) => counted(watched, rows, from, to),
        Minutes::Burn(minutes) if watched.aggregation.reads_slo() => minutes.value_at(watched.window_secs, at),
        Minutes::Burn(_) => Observation::Error("an SLO's events read for a rule of another kind".into()),
    }
}

/// A counting rule's value: the counts in the window's minutes (0 when none).
fn counted(watched: &Watched, rows: &[(DateTime<Utc>, i64)], from: DateTime<Utc>, to: DateTime<Utc>) -> Observation {
    if !watched.aggregation.counts() {
        return Observation::Error("counts read for a rule of another kind".into());
    }
    let total: i64 = in_window(rows, |(minute, _)| *minute, from, to)
        .iter()
        .map(|(_, n)| n)
        .sum();
    Observation::Value(total as f64)
}

/// The rows (ascending by `key`) with `from <= key < to`.
fn in_window<T>(rows: &[T], key: impl Fn(&T) -> DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> &[T] {
    let start = rows.partition_point(|r| key(r) < from);
    let end = rows.partition_point(|r| key(r) < to);
    &rows[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;

    fn minute(m: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_000_000 + m * 60, 0).single().expect("instant")
    }

    fn requests(m: i64, durations: &[f64], errors: i64) -> Merged<DateTime<Utc>> {
        let mut merged = Merged::new(minute(m));
        durations.iter().for_each(|d| merged.record(*d, false));
        merged.errors = errors;
        merged
    }

    fn watched(aggregation: Aggregation, window_minutes: i64) -> Watched {
        Watched {
            service: "shop".into(),
            endpoint: None,
            metric: None,
            matchers: BTreeMap::new(),
            log_query: None,
            error_issue: None,
            aggregation,
            window_secs: window_minutes * 60,
        }
    }

    #[test]
    fn a_window_covers_exactly_its_minutes() {
        let minutes = Minutes::Requests(vec![
            requests(0, &[10.0], 0),
            requests(1, &[20.0, 20.0], 1),
            requests(2, &[30.0], 0),
        ]);
        // At minute 3, a two-minute window holds minutes 1 and 2.
        let max = value_at(&watched(Aggregation::MaxLatency, 2), &minutes, minute(3));
        assert_eq!(max, Observation::Value(30.0));
        let errors = value_at(&watched(Aggregation::ErrorRate, 2), &minutes, minute(3));
        let errors = errors.value().expect("a value");
        assert!((errors - 100.0 / 3.0).abs() < 1e-9, "{errors}");
        let throughput = value_at(&watched(Aggregation::Throughput, 2), &minutes, minute(3));
        assert_eq!(throughput, Observation::Value(3.0 / 120.0));
        let avg = value_at(&watched(Aggregation::AvgLatency, 3), &minutes, minute(3));
        assert_eq!(avg, Observation::Value(20.0));
    }

    #[test]
    fn an_empty_window_has_no_data_but_zero_throughput() {
        let minutes = Minutes::Requests(vec![requests(0, &[10.0], 0)]);
        assert_eq!(
            value_at(&watched(Aggregation::P95, 5), &minutes, minute(10)),
            Observation::NoData
        );
        assert_eq!(
            value_at(&watched(Aggregation::Throughput, 5), &minutes, minute(10)),
            Observation::Value(0.0)
        );
    }

    #[test]
    fn metric_windows_merge_min_max_avg_and_last() {
        let point = |m: i64, count: i64, min: f64, max: f64, avg: f64, last: f64| MetricPoint {
            t: minute(m),
            count,
            min,
            max,
            avg,
            last,
        };
        let minutes = Minutes::Metric(vec![point(0, 2, 1.0, 3.0, 2.0, 3.0), point(1, 1, 5.0, 5.0, 5.0, 5.0)]);
        let w = |a| watched(a, 2);
        assert_eq!(
            value_at(&w(Aggregation::MetricMin), &minutes, minute(2)),
            Observation::Value(1.0)
        );
        assert_eq!(
            value_at(&w(Aggregation::MetricMax), &minutes, minute(2)),
            Observation::Value(5.0)
        );
        assert_eq!(
            value_at(&w(Aggregation::MetricAvg), &minutes, minute(2)),
            Observation::Value(3.0)
        );
        assert_eq!(
            value_at(&w(Aggregation::MetricLast), &minutes, minute(2)),
            Observation::Value(5.0)
        );
    }

    #[test]
    fn a_log_window_counts_its_minutes_lines_and_an_empty_one_is_zero() {
        let minutes = Minutes::Counts(vec![(minute(0), 4), (minute(1), 2), (minute(2), 3), (minute(5), 1)]);
        let logs = |window| Watched {
            log_query: Some("timeout".into()),
            ..watched(Aggregation::LogLines, window)
        };
        // At minute 3, a two-minute window holds minutes 1 and 2.
        assert_eq!(value_at(&logs(2), &minutes, minute(3)), Observation::Value(5.0));
        assert_eq!(value_at(&logs(3), &minutes, minute(3)), Observation::Value(9.0));
        // A heartbeat that stopped: nothing in minutes 6–9 is 0, never "no data".
        assert_eq!(value_at(&logs(4), &minutes, minute(10)), Observation::Value(0.0));
        // Lines of a rule of another kind are an error, not a value.
        assert!(matches!(
            value_at(&watched(Aggregation::P95, 2), &minutes, minute(3)),
            Observation::Error(_)
        ));
    }
}
