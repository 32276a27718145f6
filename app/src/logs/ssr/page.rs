//! What the Logs page's server functions (`logs::api`) do once the caller
//! is authorised: parse the URL's fields, run the queries read-only with a
//! statement timeout, and shape the answer.

use chrono::Utc;
use sqlx::{PgConnection, Postgres, Transaction};

use super::search::{self, Span};
use super::{context, search::histogram};
use crate::error::AppError;
use crate::logs::query::Query;
use crate::logs::search::{CONTEXT_LINES, Cursor, LogContext, LogFilter, LogSearch, PAGE_SIZE, TRACE_LIMIT};
use crate::metrics::window::window_for;
use crate::state::AppState;
use crate::url::present;

/// Postgres's SQLSTATE for a statement stopped by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";

/// Longest a search may run; a slower one is answered with advice, not a 500.
const STATEMENT_TIMEOUT: &str = "10s";

/// The query box's text, or the message (with its position) for field `q`.
pub fn parse_query(q: &Option<String>) -> Result<Query, AppError> {
    Query::parse(q.as_deref().unwrap_or_default()).map_err(|e| AppError::validation("q", e.to_string()))
}

/// One page of matches (newest first) and the histogram of the range.
pub async fn search(state: &AppState, filter: &LogFilter) -> Result<LogSearch, AppError> {
    let query = parse_query(&filter.q)?;
    let window = window_for(&filter.range, &filter.from, &filter.to, Utc::now())?;
    let before = present(&filter.before)
        .map(|text| Cursor::parse(text).ok_or_else(|| AppError::validation("before", "Not a position in the results")))
        .transpose()?;
    let span = Span {
        from: window.from,
        to: window.to,
    };
    let mut tx = read_only(state).await?;
    let mut lines = search::page(&mut tx, &query, span, before, PAGE_SIZE + 1)
        .await
        .map_err(timed_out("logs: search"))?;
    let older = (lines.len() > PAGE_SIZE as usize).then(|| {
        lines.truncate(PAGE_SIZE as usize);
        lines.last().map(Cursor::of)
    });
    let buckets = count(&mut tx, state.logs.count_timeout_ms, &query, span, window.step).await?;
    let _ = tx.rollback().await;
    let counted = buckets.is_some();
    let buckets = buckets.unwrap_or_default();
    Ok(LogSearch {
        highlights: query.highlights().into_iter().map(str::to_string).collect(),
        query: query.to_string(),
        from: window.from,
        to: window.to,
        lines,
        older: older.flatten(),
        paged: before.is_some(),
        step_secs: window.step.num_seconds(),
        buckets,
        counted,
    })
}

/// The histogram, or `None` when counting takes longer than `timeout_ms`
/// (the last statement of the transaction: a timeout ends it).
async fn count(
    conn: &mut PgConnection,
    timeout_ms: u64,
    query: &Query,
    span: Span,
    step: chrono::Duration,
) -> Result<Option<Vec<crate::logs::search::Bucket>>, AppError> {
    sqlx::query(&format!("SET LOCAL statement_timeout = {timeout_ms}"))
        .execute(&mut *conn)
        .await
        .map_err(AppError::internal_in("logs: count timeout"))?;
    match histogram(conn, query, span, step).await {
        Ok(buckets) => Ok(Some(buckets)),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(QUERY_CANCELED) => Ok(None),
        Err(error) => Err(AppError::internal("logs: histogram", error)),
    }
}

/// The lines around the line `id` at `ts` (unix microseconds).
pub async fn around(state: &AppState, id: &str, ts: &str) -> Result<LogContext, AppError> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| AppError::validation("id", "Not a line id"))?;
    let ts = ts
        .trim()
        .parse()
        .ok()
        .and_then(chrono::DateTime::from_timestamp_micros)
        .ok_or_else(|| AppError::validation("ts", "Not a line's time"))?;
    let mut tx = read_only(state).await?;
    let anchor = context::line(&mut tx, id, ts)
        .await
        .map_err(timed_out("logs: context line"))?
        .ok_or(AppError::NotFound)?;
    let lines = context::around(&mut tx, anchor, CONTEXT_LINES)
        .await
        .map_err(timed_out("logs: context"))?;
    let _ = tx.rollback().await;
    Ok(LogContext {
        lines,
        anchor: Some(id),
        truncated: false,
    })
}

/// Every line of a trace (up to `TRACE_LIMIT`), oldest first.
pub async fn trace(state: &AppState, trace_id: &str) -> Result<LogContext, AppError> {
    let trace_id = crate::traces::parse_trace_id(trace_id)?;
    let mut tx = read_only(state).await?;
    let mut lines = context::trace(&mut tx, &trace_id, TRACE_LIMIT + 1)
        .await
        .map_err(timed_out("logs: trace"))?;
    let _ = tx.rollback().await;
    let truncated = lines.len() > TRACE_LIMIT as usize;
    lines.truncate(TRACE_LIMIT as usize);
    Ok(LogContext {
        lines,
        anchor: None,
        truncated,
    })
}

/// A read-only transaction whose statements stop after `STATEMENT_TIMEOUT`.
async fn read_only(state: &AppState) -> Result<Transaction<'static, Postgres>, AppError> {
    let mut tx = state.begin("logs: begin").await?;
    for statement in [
        "SET TRANSACTION READ ONLY".to_string(),
        format!("SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"),
        // A search's statements are prepared and reused; a generic plan
        // cannot see that a word's pattern is rare and may walk `(ts, id)`
        // instead of the trigram index (docs/BENCHMARKS.md, section 6).
        "SET LOCAL plan_cache_mode = force_custom_plan".to_string(),
    ] {
        let conn: &mut PgConnection = &mut tx;
        sqlx::query(&statement)
            .execute(conn)
            .await
            .map_err(AppError::internal_in("logs: read-only"))?;
    }
    Ok(tx)
}

/// A cancelled (timed-out) statement becomes advice; anything else is internal.
fn timed_out(context: &'static str) -> impl Fn(sqlx::Error) -> AppError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(QUERY_CANCELED) => AppError::Unavailable(format!(
            "The search took longer than {STATEMENT_TIMEOUT}; narrow the time range or add a field such as service:"
        )),
        _ => AppError::internal(context, error),
    }
}
