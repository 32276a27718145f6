//! Error events, new and regressed issues per minute: what an error alert rule watches
//! (`alerts::ssr::series`). Events are read from the per-issue counts
//! written with each event (whole hours from `error_issue_hours` when the
//! rule reads one window, minutes otherwise: `hours`), never from the raw
//! events; new and regressed issues as `tally` defines them.

use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgConnection;

use super::hours::{HourSplit, counts_sql};
use super::tally::{NEW_ISSUES, REGRESSIONS};

/// `(start, events)` of `service`'s events (of issue `issue` only, when
/// given) in `[from, to)`, oldest first: one row per minute with events,
/// except that when `whole` (the caller sums the whole range, as a live
/// evaluation does) the range's whole hours come as one row each, at their
/// start. The first row may be the minute `from` falls in.
#[tracing::instrument(skip(conn), err)]
pub async fn events_per_minute(
    conn: &mut PgConnection,
    service: &str,
    issue: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    whole: bool,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    let step = (!whole).then(|| Duration::minutes(1));
    let hours = HourSplit::of(from, to, step);
    let first_minute = from.duration_trunc(Duration::minutes(1)).unwrap_or(from);
    let rows = counts_sql("$3", "$5", "$6", "$4", "($2::bigint IS NULL OR issue_id = $2)");
    sqlx::query_as(&format!(
        "SELECT m.t, sum(m.events)::bigint FROM ({rows}) m \
         JOIN error_issues i ON i.id = m.issue_id JOIN error_projects p ON p.id = i.project_id \
         WHERE p.service = $1 GROUP BY m.t ORDER BY m.t"
    ))
    .bind(service)
    .bind(issue)
    .bind(first_minute)
    .bind(to)
    .bind(hours.first_hour)
    .bind(hours.end_hour)
    .fetch_all(conn)
    .await
}

/// `(minute, issues)` for every minute in `[from, to)` in which issues of
/// `service` were first seen, oldest first.
pub async fn new_issues_per_minute(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    per_minute(conn, NEW_ISSUES, service, from, to).await
}

/// `(minute, issues)` for every minute in `[from, to)` in which issues of
/// `service` regressed, oldest first.
pub async fn regressed_per_minute(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    per_minute(conn, REGRESSIONS, service, from, to).await
}

/// The distinct issues of `service` per minute among `happenings` (`tally`'s
/// `(service, at, issue)` queries).
#[tracing::instrument(skip(conn), err)]
async fn per_minute(
    conn: &mut PgConnection,
    happenings: &str,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    sqlx::query_as(&format!(
        "SELECT date_trunc('minute', at) AS minute, count(DISTINCT issue) FROM ({happenings}) x \
         WHERE service = $1 AND at >= date_trunc('minute', $2::timestamptz) AND at < $3 GROUP BY 1 ORDER BY 1"
    ))
    .bind(service)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}
