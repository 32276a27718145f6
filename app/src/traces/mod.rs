//! Traces: the spans services send over OTLP/HTTP (`POST /v1/traces`,
//! `server/src/http/otlp/traces.rs`), shown as a waterfall on the trace
//! page (`/traces/{id}`) and as an endpoint's slowest traces on the
//! Performance page. Server and consumer spans are also recorded as request
//! events, so a traced service has its charts, alert rules and SLOs.
//!
//! Who may read them: `ReadTraces` (admins, operators and support, as for
//! logs: span attributes carry request details).

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use api::get_trace;

use crate::error::AppError;

/// Most spans one trace page shows (the rest are counted).
pub const TRACE_SPAN_LIMIT: usize = 2_000;
/// Rows of an endpoint's slowest traces.
pub const SLOWEST_LIMIT: i64 = 10;

/// A span's status code (OTLP `Status.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpanStatus {
    Unset,
    Ok,
    Error,
}

impl SpanStatus {
    pub fn from_code(code: i16) -> SpanStatus {
        match code {
            1 => SpanStatus::Ok,
            2 => SpanStatus::Error,
            _ => SpanStatus::Unset,
        }
    }

    pub fn code(self) -> i16 {
        match self {
            SpanStatus::Unset => 0,
            SpanStatus::Ok => 1,
            SpanStatus::Error => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpanStatus::Unset => "unset",
            SpanStatus::Ok => "ok",
            SpanStatus::Error => "error",
        }
    }
}

/// The OTLP SpanKind's name, as the trace page shows it.
pub fn kind_name(kind: i16) -> &'static str {
    match kind {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "unspecified",
    }
}

/// One attribute as text (strings as they are, other values as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub key: String,
    pub value: String,
}

/// Something that happened during a span (an exception, a log-like mark).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanEvent {
    pub name: String,
    /// Since the span's start.
    pub offset_ms: f64,
    pub attributes: Vec<Attribute>,
}

/// One stored span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub service: String,
    pub name: String,
    pub kind: i16,
    pub start_ts: DateTime<Utc>,
    pub duration_ms: f64,
    pub status: SpanStatus,
    pub status_message: String,
    pub attributes: Vec<Attribute>,
    pub events: Vec<SpanEvent>,
}

/// A span placed in the waterfall: how deep under its root, and when it
/// starts after the trace's first span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaterfallRow {
    pub span: Span,
    pub depth: usize,
    pub offset_ms: f64,
}

/// The trace page's content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceView {
    pub trace_id: String,
    pub rows: Vec<WaterfallRow>,
    /// From the first span's start to the last span's end.
    pub duration_ms: f64,
    /// Services with spans in the trace, by name.
    pub services: Vec<String>,
    /// Spans beyond [`TRACE_SPAN_LIMIT`], not shown.
    pub more: usize,
}

/// One row of an endpoint's slowest traces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlowTrace {
    pub trace_id: String,
    pub start_ts: DateTime<Utc>,
    pub duration_ms: f64,
    pub http_status: Option<i16>,
    pub error: bool,
}

/// A trace id as stored: 32 hexadecimal digits, lowercase (any case accepted).
pub fn parse_trace_id(text: &str) -> Result<String, AppError> {
    let id = text.trim().to_ascii_lowercase();
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::validation("id", "A trace id is 32 hexadecimal digits"));
    }
    Ok(id)
}

/// The trace page of `trace_id`, when it is a trace id (from a log line's
/// or an error event's context, which any sender may fill).
pub fn page_href(trace_id: &str) -> Option<String> {
    parse_trace_id(trace_id).ok().map(|id| format!("/traces/{id}"))
}

/// The spans in waterfall order: each span followed by its children (by
/// start time), roots first by start; a span whose parent is not stored
/// (not sent, or past retention) is shown as a root. A cycle in parent ids
/// (a broken sender) cannot loop: each span is placed once.
pub fn waterfall(mut spans: Vec<Span>) -> Vec<WaterfallRow> {
    spans.sort_by(|a, b| a.start_ts.cmp(&b.start_ts).then_with(|| a.span_id.cmp(&b.span_id)));
    let Some(first) = spans.first().map(|span| span.start_ts) else {
        return Vec::new();
    };
    let known: std::collections::HashSet<&str> = spans.iter().map(|span| span.span_id.as_str()).collect();
    let is_root = |span: &Span| {
        span.parent_span_id
            .as_deref()
            .is_none_or(|parent| !known.contains(parent) || parent == span.span_id)
    };
    let mut placed = vec![false; spans.len()];
    let mut order = Vec::with_capacity(spans.len());
    // Depth-first, by an explicit stack (children pushed latest first).
    let mut stack: Vec<(usize, usize)> = spans
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, span)| is_root(span))
        .map(|(index, _)| (index, 0))
        .collect();
    while let Some((index, depth)) = stack.pop() {
        if std::mem::replace(&mut placed[index], true) {
            continue;
        }
        order.push((index, depth));
        let id = spans[index].span_id.as_str();
        for (child, span) in spans.iter().enumerate().rev() {
            if !placed[child] && !is_root(span) && span.parent_span_id.as_deref() == Some(id) {
                stack.push((child, depth + 1));
            }
        }
    }
    // Spans only reachable through a cycle: shown as roots, in start order.
    order.extend((0..spans.len()).filter(|&index| !placed[index]).map(|index| (index, 0)));
    let mut slots: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(index, depth)| {
            let span = slots[index].take()?;
            let offset_ms = (span.start_ts - first).num_microseconds().unwrap_or(0) as f64 / 1000.0;
            Some(WaterfallRow { span, depth, offset_ms })
        })
        .collect()
}

#[cfg(test)]
mod tests;
