//! The Errors page's queries: issues with events in the range, counted
//! from `error_issue_minutes` (never the raw events), keyset-paged on the
//! sort value and the issue id.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::errors::issues::{IssueListing, IssueQuery, IssueRow, IssueSort, PAGE_SIZE};
use crate::sql::contains_pattern;
use crate::state::AppState;

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);

/// The sort value as a number: counts, or times in microseconds.
fn sort_key(sort: IssueSort) -> &'static str {
    match sort {
        IssueSort::LastSeen => "(extract(epoch FROM i.last_seen) * 1000000)::bigint",
        IssueSort::FirstSeen => "(extract(epoch FROM i.first_seen) * 1000000)::bigint",
        IssueSort::Events => "m.events",
        IssueSort::Users => "i.user_count",
    }
}

pub async fn issues(state: &AppState, query: &IssueQuery) -> Result<IssueListing, AppError> {
    let mut conn = state.connection("errors: list").await?;
    let services: Vec<String> = sqlx::query_scalar("SELECT service FROM error_projects ORDER BY service")
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::internal_in("errors: services"))?;
    // The sort expression is one of `sort_key`'s constants, never input.
    let sql = format!(
        "SELECT * FROM ( \
           SELECT i.id, p.service, i.title, i.culprit, i.level, i.state, m.events, i.user_count, \
                  i.first_seen, i.last_seen, {key} AS sort_key \
           FROM (SELECT issue_id, sum(events)::bigint AS events FROM error_issue_minutes \
                 WHERE minute >= $1 AND minute < $2 GROUP BY issue_id) m \
           JOIN error_issues i ON i.id = m.issue_id \
           JOIN error_projects p ON p.id = i.project_id \
           WHERE ($3::text IS NULL OR p.service = $3) AND ($4::text IS NULL OR i.level = $4) \
             AND ($5::text IS NULL OR i.state = $5) \
             AND ($6::text IS NULL OR i.title ILIKE $6 OR i.culprit ILIKE $6) \
         ) x \
         WHERE ($7::bigint IS NULL OR (sort_key, id) < ($7, $8)) \
         ORDER BY sort_key DESC, id DESC LIMIT $9",
        key = sort_key(query.sort)
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(query.from)
        .bind(query.to)
        .bind(&query.service)
        .bind(&query.level)
        .bind(&query.state)
        .bind(query.q.as_deref().map(contains_pattern))
        .bind(query.after.map(|(key, _)| key))
        .bind(query.after.map(|(_, id)| id))
        .bind(i64::try_from(PAGE_SIZE + 1).unwrap_or(51))
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::internal_in("errors: issues"))?;
    let more = rows.len() > PAGE_SIZE;
    let next = more
        .then(|| rows.get(PAGE_SIZE - 1).map(|row| format!("{}.{}", row.10, row.0)))
        .flatten();
    let rows = rows
        .into_iter()
        .take(PAGE_SIZE)
        .map(
            |(id, service, title, culprit, level, state, events, users, first_seen, last_seen, _)| IssueRow {
                id,
                service,
                title,
                culprit,
                level,
                state,
                events,
                users,
                first_seen,
                last_seen,
            },
        )
        .collect();
    Ok(IssueListing { services, rows, next })
}
