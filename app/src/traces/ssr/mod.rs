//! Traces on the server: storing checked spans (`store`), reading a trace
//! and an endpoint's slowest traces (`read`), the daily partitions
//! (`partitions`).

pub mod partitions;
pub mod read;
pub mod store;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A checked span, ready to store (the OTLP door makes them).
#[derive(Clone, Debug, PartialEq)]
pub struct NewSpan {
    pub start_ts: DateTime<Utc>,
    /// 32 lowercase hexadecimal digits.
    pub trace_id: String,
    /// 16 lowercase hexadecimal digits.
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub service: String,
    pub name: String,
    /// The OTLP SpanKind (0–5).
    pub kind: i16,
    pub duration_ms: f64,
    /// The OTLP status code (0–2).
    pub status: i16,
    pub status_message: String,
    /// Set when the span was also recorded as a request event.
    pub endpoint: Option<String>,
    pub method: Option<String>,
    pub http_status: Option<i16>,
    /// A flat object (resource, scope and span attributes; the span's win).
    pub attributes: Value,
    /// `[{"name", "offset_ms", "attributes"}]`.
    pub events: Value,
}
