//! Reading traces: every span of one trace (the `trace_id` index), and an
//! endpoint's slowest traces in a range (the `(service, endpoint,
//! start_ts)` index; the rows hold the duration).

use serde_json::Value;
use sqlx::PgConnection;

use crate::error::AppError;
use crate::metrics::window::Window;
use crate::state::AppState;
use crate::traces::{
    Attribute, SLOWEST_LIMIT, SlowTrace, Span, SpanEvent, SpanStatus, TRACE_SPAN_LIMIT, TraceView, waterfall,
};

#[derive(sqlx::FromRow)]
struct Row {
    span_id: String,
    parent_span_id: Option<String>,
    service: String,
    name: String,
    kind: i16,
    start_ts: chrono::DateTime<chrono::Utc>,
    duration_ms: f64,
    status: i16,
    status_message: String,
    attributes: Value,
    events: Value,
}

/// The trace's spans in waterfall order; `NotFound` when none is stored.
pub async fn trace(state: &AppState, trace_id: &str) -> Result<TraceView, AppError> {
    let mut conn = state.connection("traces: trace").await?;
    let (rows, total) = spans_of(&mut conn, trace_id)
        .await
        .map_err(AppError::internal_in("traces: trace"))?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let spans: Vec<Span> = rows.into_iter().map(Span::from).collect();
    let first = spans.iter().map(|span| span.start_ts).min();
    let last = spans
        .iter()
        .map(|span| span.start_ts + chrono::Duration::microseconds((span.duration_ms * 1000.0) as i64))
        .max();
    let duration_ms = match (first, last) {
        (Some(first), Some(last)) => (last - first).num_microseconds().unwrap_or(0) as f64 / 1000.0,
        _ => 0.0,
    };
    let mut services: Vec<String> = spans.iter().map(|span| span.service.clone()).collect();
    services.sort();
    services.dedup();
    let shown = spans.len();
    Ok(TraceView {
        trace_id: trace_id.to_string(),
        rows: waterfall(spans),
        duration_ms,
        services,
        more: total.saturating_sub(shown),
    })
}

/// The first [`TRACE_SPAN_LIMIT`] spans by start, and how many there are.
async fn spans_of(conn: &mut PgConnection, trace_id: &str) -> sqlx::Result<(Vec<Row>, usize)> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT span_id, parent_span_id, service, name, kind, start_ts, duration_ms, status, status_message, \
         attributes, events FROM spans WHERE trace_id = $1 ORDER BY start_ts, span_id LIMIT $2",
    )
    .bind(trace_id)
    .bind(TRACE_SPAN_LIMIT as i64)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() < TRACE_SPAN_LIMIT {
        let count = rows.len();
        return Ok((rows, count));
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM spans WHERE trace_id = $1")
        .bind(trace_id)
        .fetch_one(conn)
        .await?;
    Ok((rows, usize::try_from(total).unwrap_or(usize::MAX)))
}

/// trace id, start, duration, HTTP status, span status.
type SlowRow = (String, chrono::DateTime<chrono::Utc>, f64, Option<i16>, i16);

/// The slowest spans recorded as `service`'s `endpoint` requests in the
/// window, slowest first (each links to its trace).
pub async fn slowest(
    state: &AppState,
    service: &str,
    endpoint: &str,
    window: &Window,
) -> Result<Vec<SlowTrace>, AppError> {
    let rows: Vec<SlowRow> = sqlx::query_as(
        "SELECT trace_id, start_ts, duration_ms, http_status, status \
         FROM spans WHERE service = $1 AND endpoint = $2 AND start_ts >= $3 AND start_ts < $4 \
         ORDER BY duration_ms DESC LIMIT $5",
    )
    .bind(service)
    .bind(endpoint)
    .bind(window.from)
    .bind(window.to)
    .bind(SLOWEST_LIMIT)
    .fetch_all(&state.db)
    .await
    .map_err(AppError::internal_in("traces: slowest"))?;
    Ok(rows
        .into_iter()
        .map(|(trace_id, start_ts, duration_ms, http_status, status)| SlowTrace {
            trace_id,
            start_ts,
            duration_ms,
            error: status == 2 || http_status.is_some_and(|code| code >= 500),
            http_status,
        })
        .collect())
}

impl From<Row> for Span {
    fn from(row: Row) -> Span {
        Span {
            span_id: row.span_id,
            parent_span_id: row.parent_span_id,
            service: row.service,
            name: row.name,
            kind: row.kind,
            start_ts: row.start_ts,
            duration_ms: row.duration_ms,
            status: SpanStatus::from_code(row.status),
            status_message: row.status_message,
            attributes: attributes(&row.attributes),
            events: row
                .events
                .as_array()
                .map(|events| events.iter().map(event).collect())
                .unwrap_or_default(),
        }
    }
}

fn event(value: &Value) -> SpanEvent {
    SpanEvent {
        name: value["name"].as_str().unwrap_or_default().to_string(),
        offset_ms: value["offset_ms"].as_f64().unwrap_or(0.0),
        attributes: attributes(&value["attributes"]),
    }
}

/// An object's entries as text, by key.
fn attributes(value: &Value) -> Vec<Attribute> {
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    let mut out: Vec<Attribute> = map
        .iter()
        .map(|(key, value)| Attribute {
            key: key.clone(),
            value: match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            },
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}
