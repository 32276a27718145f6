//! Error events, new and regressed issues per minute: what an error alert rule watches
//! (`alerts::ssr::series`). Events are read from the per-minute counts
//! written with each event (`error_issue_minutes`), never from the raw
//! events; a new issue counts in the minute it was first seen.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

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
#[tracing::instrument(skip(conn), err)]
pub async fn new_issues_per_minute(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    sqlx::query_as(
        "SELECT date_trunc('minute', i.first_seen) AS minute, count(*) FROM error_issues i \
         JOIN error_projects p ON p.id = i.project_id \
         WHERE p.service = $1 AND i.first_seen >= date_trunc('minute', $2::timestamptz) AND i.first_seen < $3 \
         GROUP BY 1 ORDER BY 1",
    )
    .bind(service)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// `(minute, issues)` for every minute in `[from, to)` in which issues of
/// `service` regressed: the audit entries the store writes when an event
/// reopens a resolved issue (`reopen`), at the time it did.
#[tracing::instrument(skip(conn), err)]
pub async fn regressed_per_minute(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    sqlx::query_as(
        "SELECT date_trunc('minute', a.at) AS minute, count(DISTINCT a.target_id) FROM audit_log a \
         JOIN error_issues i ON i.id::text = a.target_id JOIN error_projects p ON p.id = i.project_id \
         WHERE a.action = 'error_issue.regress' AND a.target_type = 'error_issue' AND a.outcome = 'success' \
           AND p.service = $1 AND a.at >= date_trunc('minute', $2::timestamptz) AND a.at < $3 \
         GROUP BY 1 ORDER BY 1",
    )
    .bind(service)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}
