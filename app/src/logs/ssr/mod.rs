//! The Logs area's server side: writing a batch (`store`, one binary
//! `COPY` per batch, `copy`), the daily partitions and their retention
//! (`partitions`), the fan-out of committed lines to the live tail
//! (`publish`); reading: `search` (results, paging, histogram), `context`
//! (the lines around a line, the lines of a trace), `counts` (matching
//! lines per minute, what a log alert rule watches) and `page` (what the
//! server functions do once the caller is authorised).

pub mod context;
pub mod copy;
pub mod counts;
pub mod page;
pub mod partitions;
pub mod publish;
pub mod search;
pub mod store;

use chrono::{DateTime, Utc};

use super::LogLine;

/// The columns a [`LogLine`] is read from, in [`Row`]'s order.
pub const LINE_COLUMNS: &str = "id, ts, service, host, severity, severity_text, body, attributes, trace_id, span_id";

#[derive(sqlx::FromRow)]
pub struct Row {
    id: i64,
    ts: DateTime<Utc>,
    service: String,
    host: String,
    severity: i16,
    severity_text: String,
    body: String,
    attributes: serde_json::Value,
    trace_id: Option<String>,
    span_id: Option<String>,
}

impl From<Row> for LogLine {
    fn from(row: Row) -> LogLine {
        LogLine {
            id: row.id,
            ts: row.ts,
            service: row.service,
            host: row.host,
            severity: row.severity,
            severity_text: row.severity_text,
            body: row.body,
            attributes: row.attributes,
            trace_id: row.trace_id,
            span_id: row.span_id,
        }
    }
}
