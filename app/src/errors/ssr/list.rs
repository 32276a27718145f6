//! The Errors page's queries: issues with events in the range, counted
//! from the per-issue counts (whole hours from `error_issue_hours`, the
//! edges' minutes from `error_issue_minutes`: `hours`) — or, filtered by
//! environment or release (which those counts do not keep), from the range's
//! events —, keyset-paged on the sort value and the issue id; then, for the
//! page's rows only, their users in the range and their last 24 hours per
//! hour (the sparkline, from the hourly counts).

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::hours::{HourSplit, counts_sql};
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

/// Events per issue in the range: from the per-issue counts (hours in
/// `[$14, $15)`), or from the events when an environment or release is
/// asked for.
fn counted(query: &IssueQuery) -> String {
    if query.environment.is_some() || query.release.is_some() {
        "SELECT issue_id, count(*)::bigint AS events FROM error_events \
         WHERE ts >= $1 AND ts < $2 AND ($3::text IS NULL OR service = $3) \
           AND ($10::text IS NULL OR environment = $10) AND ($11::text IS NULL OR release = $11) \
         GROUP BY issue_id"
            .to_string()
    } else {
        format!(
            "SELECT issue_id, sum(events)::bigint AS events FROM ({}) c GROUP BY issue_id",
            counts_sql("$1", "$14", "$15", "$2", "true")
        )
    }
}

pub async fn issues(state: &AppState, query: &IssueQuery) -> Result<IssueListing, AppError> {
    let mut conn = state.connection("errors: list").await?;
    let services: Vec<String> = sqlx::query_scalar("SELECT service FROM error_projects ORDER BY service")
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::internal_in("errors: services"))?;
    let deployments = super::since::choices(&mut conn, query).await?;
    let since = match query.since {
        Some(id) => Some(super::since::started(&mut conn, id).await?),
        None => None,
    };
    let hours = HourSplit::of(query.from, query.to, None);
    // The sort expression and the counts are constants, never input.
    let sql = format!(
        "SELECT * FROM ( \
           SELECT i.id, p.service, i.title, i.culprit, i.level, i.state, m.events, i.user_count, \
                  i.first_seen, i.last_seen, {key} AS sort_key \
           FROM ({counted}) m \
           JOIN error_issues i ON i.id = m.issue_id \
           JOIN error_projects p ON p.id = i.project_id \
           WHERE ($3::text IS NULL OR p.service = $3) AND ($4::text IS NULL OR i.level = $4) \
             AND ($5::text IS NULL OR i.state = $5) \
             AND ($6::text IS NULL OR i.title ILIKE $6 OR i.culprit ILIKE $6) \
             AND ($12::text IS NULL OR p.service = $12) AND ($13::timestamptz IS NULL OR i.first_seen >= $13) \
         ) x \
         WHERE ($7::bigint IS NULL OR (sort_key, id) < ($7, $8)) \
         ORDER BY sort_key DESC, id DESC LIMIT $9",
        key = sort_key(query.sort),
        counted = counted(query),
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
        .bind(&query.environment)
        .bind(&query.release)
        .bind(since.as_ref().map(|(service, _)| service.clone()))
        .bind(since.map(|(_, at)| at))
        .bind(hours.first_hour)
        .bind(hours.end_hour)
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::internal_in("errors: issues"))?;
    let more = rows.len() > PAGE_SIZE;
    let next = more
        .then(|| rows.get(PAGE_SIZE - 1).map(|row| format!("{}.{}", row.10, row.0)))
        .flatten();
    let rows: Vec<Row> = rows.into_iter().take(PAGE_SIZE).collect();
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let users = users_in_range(&mut conn, &ids, query).await?;
    let last_day = last_day(&mut conn, &ids, Utc::now()).await?;
    let rows = rows
        .into_iter()
        .map(
            |(id, service, title, culprit, level, state, events, _, first_seen, last_seen, _)| IssueRow {
                id,
                service,
                title,
                culprit,
                level,
                state,
                events,
                users: users.iter().find(|(issue, _)| *issue == id).map_or(0, |(_, n)| *n),
                first_seen,
                last_seen,
                last_day: last_day
                    .iter()
                    .find(|(issue, _)| *issue == id)
                    .map(|(_, h)| h.clone())
                    .unwrap_or_default(),
            },
        )
        .collect();
    Ok(IssueListing {
        services,
        deployments,
        rows,
        next,
    })
}

/// Distinct users of each issue's events in the range (and environment, release).
async fn users_in_range(
    conn: &mut sqlx::PgConnection,
    ids: &[i64],
    query: &IssueQuery,
) -> Result<Vec<(i64, i64)>, AppError> {
    sqlx::query_as(
        "SELECT issue_id, count(DISTINCT user_id)::bigint FROM error_events \
         WHERE issue_id = ANY($1) AND ts >= $2 AND ts < $3 \
           AND ($4::text IS NULL OR environment = $4) AND ($5::text IS NULL OR release = $5) \
         GROUP BY issue_id",
    )
    .bind(ids)
    .bind(query.from)
    .bind(query.to)
    .bind(&query.environment)
    .bind(&query.release)
    .fetch_all(conn)
    .await
    .map_err(AppError::internal_in("errors: users in range"))
}

/// Events per hour of each issue over the 24 hours up to `now` (the
/// current hour last), from the hourly counts.
async fn last_day(
    conn: &mut sqlx::PgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Vec<i64>)>, AppError> {
    let hour = Duration::hours(1);
    let start = now.duration_trunc(hour).unwrap_or(now) - Duration::hours(23);
    let end = start + Duration::hours(24);
    let hours = HourSplit::of(start, end, Some(hour));
    let counts: Vec<(i64, i32, i64)> = sqlx::query_as(&format!(
        "SELECT issue_id, floor(extract(epoch FROM t - $2) / 3600)::int, sum(events)::bigint \
         FROM ({}) c GROUP BY 1, 2",
        counts_sql("$2", "$3", "$4", "$5", "issue_id = ANY($1)")
    ))
    .bind(ids)
    .bind(start)
    .bind(hours.first_hour)
    .bind(hours.end_hour)
    .bind(end)
    .fetch_all(conn)
    .await
    .map_err(AppError::internal_in("errors: last day"))?;
    Ok(ids
        .iter()
        .map(|&id| {
            let mut hours = vec![0; 24];
            for (_, hour, n) in counts.iter().filter(|(issue, _, _)| *issue == id) {
                if let Some(slot) = usize::try_from(*hour).ok().and_then(|h| hours.get_mut(h)) {
                    *slot += n;
                }
            }
            (id, hours)
        })
        .collect())
}
