//! Error events, new and regressed issues per minute: what an error alert rule watches
//! (`alerts::ssr::series`). Events are read from the per-minute counts
//! written with each event (`error_issue_minutes`), never from the raw
//! events; new and regressed issues as `tally` defines them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::tally::{NEW_ISSUES, REGRESSIONS};

/// `(minute, events)` for every minute in `[from, to)` with an event of
/// `service` (of issue `issue` only, when given), oldest first.
#[tracing::instrument(skip(conn), err)]
pub async fn events_per_minute(
    conn: &mut PgConnection,
    service: &str,
    issue: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    sqlx::query_as(
        "SELECT m.minute, sum(m.events)::bigint FROM error_issue_minutes m \
         JOIN error_issues i ON i.id = m.issue_id JOIN error_projects p ON p.id = i.project_id \
         WHERE p.service = $1 AND ($2::bigint IS NULL OR m.issue_id = $2) \
           AND m.minute >= date_trunc('minute', $3::timestamptz) AND m.minute < $4 \
         GROUP BY m.minute ORDER BY m.minute",
    )
    .bind(service)
    .bind(issue)
    .bind(from)
    .bind(to)
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
