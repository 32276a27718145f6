//! The Issue page's events: the chosen event, a keyset page of the list
//! (newest first, on `(ts, id)`, the `error_events_issue_idx` order), the
//! releases and environments seen, and occurrences per step from the
//! per-issue counts (whole hours from `error_issue_hours` where the steps
//! allow, minutes otherwise: `hours`) with the service's deployments.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::detail::{EVENT_COLUMNS, EventColumns, event_view};
use super::hours::{HourSplit, counts_sql};
use crate::error::AppError;
use crate::errors::events::{EVENTS_PAGE, EventRow, IssueEvents, IssueEventsQuery, SeenIn};
use crate::errors::issue::EventView;
use crate::state::AppState;

/// Releases and environments listed at most.
const MAX_SEEN_IN: i64 = 50;

type RowColumns = (
    i64,
    String,
    DateTime<Utc>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub async fn events(state: &AppState, issue_id: i64, query: &IssueEventsQuery) -> Result<IssueEvents, AppError> {
    let fail = AppError::internal_in("errors: issue events");
    let mut conn = state.connection("errors: issue events").await?;
    let service: String = sqlx::query_scalar(
        "SELECT p.service FROM error_issues i JOIN error_projects p ON p.id = i.project_id WHERE i.id = $1",
    )
    .bind(issue_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(&fail)?
    .ok_or(AppError::NotFound)?;
    let chosen = match &query.event {
        Some(event_id) => chosen(&mut conn, issue_id, event_id).await.map_err(&fail)?,
        None => None,
    };
    let (rows, next) = page(&mut conn, issue_id, query.before).await.map_err(&fail)?;
    let releases = seen_in(&mut conn, issue_id, "release").await.map_err(&fail)?;
    let environments = seen_in(&mut conn, issue_id, "environment").await.map_err(&fail)?;
    let window = query.window;
    let occurrences = occurrences(&mut conn, issue_id, window.from, window.to, window.step)
        .await
        .map_err(&fail)?;
    let deployments = crate::deployments::ssr::markers(&mut conn, &service, window.from, window.to)
        .await
        .map_err(&fail)?;
    Ok(IssueEvents {
        chosen,
        rows,
        next,
        releases,
        environments,
        occurrences,
        step_ms: window.step.num_milliseconds(),
        from_ms: window.from.timestamp_millis(),
        to_ms: window.to.timestamp_millis(),
        deployments,
    })
}

async fn chosen(conn: &mut PgConnection, issue_id: i64, event_id: &str) -> sqlx::Result<Option<EventView>> {
    let found: Option<EventColumns> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM error_events WHERE issue_id = $1 AND event_id = $2 ORDER BY ts DESC LIMIT 1"
    ))
    .bind(issue_id)
    .bind(event_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(event_view))
}

async fn page(
    conn: &mut PgConnection,
    issue_id: i64,
    before: Option<(i64, i64)>,
) -> sqlx::Result<(Vec<EventRow>, Option<String>)> {
    let before_ts = before.and_then(|(micros, _)| DateTime::<Utc>::from_timestamp_micros(micros));
    let rows: Vec<RowColumns> = sqlx::query_as(
        "SELECT id, event_id, ts, level, release, environment, user_id, message FROM error_events \
         WHERE issue_id = $1 AND ($2::timestamptz IS NULL OR (ts, id) < ($2, $3)) \
         ORDER BY ts DESC, id DESC LIMIT $4",
    )
    .bind(issue_id)
    .bind(before_ts)
    .bind(before.map(|(_, id)| id))
    .bind(i64::try_from(EVENTS_PAGE + 1).unwrap_or(21))
    .fetch_all(conn)
    .await?;
    let next = (rows.len() > EVENTS_PAGE)
        .then(|| {
            rows.get(EVENTS_PAGE - 1)
                .map(|row| format!("{}.{}", row.2.timestamp_micros(), row.0))
        })
        .flatten();
    let rows = rows
        .into_iter()
        .take(EVENTS_PAGE)
        .map(
            |(_, event_id, ts, level, release, environment, user, message)| EventRow {
                event_id,
                ts,
                level,
                release,
                environment,
                user,
                message,
            },
        )
        .collect();
    Ok((rows, next))
}

/// The values of `column` (`release` or `environment`, never input) the
/// issue's stored events carry, most recently seen first.
async fn seen_in(conn: &mut PgConnection, issue_id: i64, column: &'static str) -> sqlx::Result<Vec<SeenIn>> {
    let sql = format!(
        "SELECT {column}, count(*)::bigint, max(ts) FROM error_events \
         WHERE issue_id = $1 AND {column} IS NOT NULL GROUP BY {column} ORDER BY max(ts) DESC LIMIT $2"
    );
    let rows: Vec<(String, i64, DateTime<Utc>)> = sqlx::query_as(&sql)
        .bind(issue_id)
        .bind(MAX_SEEN_IN)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(name, events, last_seen)| SeenIn {
            name,
            events,
            last_seen,
        })
        .collect())
}

/// Events per `step` from `from` (aligned) to `to`, every bucket (zeros too).
async fn occurrences(
    conn: &mut PgConnection,
    issue_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: chrono::Duration,
) -> sqlx::Result<Vec<(i64, i64)>> {
    // The buckets' own end: the last bucket counts its whole step, as it is drawn.
    let steps = (to - from)
        .num_microseconds()
        .zip(step.num_microseconds())
        .map_or(1, |(span, step)| (span + step.max(1) - 1) / step.max(1));
    let end = from + step * i32::try_from(steps).unwrap_or(i32::MAX);
    let hours = HourSplit::of(from, end, Some(step));
    let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(&format!(
        "SELECT b.t, COALESCE(sum(m.events), 0)::bigint \
         FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 microsecond', $4::interval) AS b(t) \
         LEFT JOIN ({}) m ON m.t >= b.t AND m.t < b.t + $4::interval \
         GROUP BY b.t ORDER BY b.t",
        counts_sql("$2", "$5", "$6", "$7", "issue_id = $1")
    ))
    .bind(issue_id)
    .bind(from)
    .bind(to)
    .bind(step)
    .bind(hours.first_hour)
    .bind(hours.end_hour)
    .bind(end)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(t, n)| (t.timestamp_millis(), n)).collect())
}
