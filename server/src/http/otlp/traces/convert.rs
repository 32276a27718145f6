//! OTLP spans into checked spans and request events.
//!
//! - Every span is stored: ids as lowercase hex, the service from the
//!   resource's `service.name` (`unknown_service` when missing), resource,
//!   scope and span attributes merged into one flat object (the span's
//!   win), its events with their time since the span's start.
//! - A **server** or **consumer** span is also a request event of its
//!   service: the endpoint is `http.route` (else the span name, which the
//!   semantic conventions keep low-cardinality: never the raw URL with ids),
//!   the method `http.request.method` (else `http.method`, else `SERVER` or
//!   `CONSUMER`), the status `http.response.status_code` (else
//!   `http.status_code`, else 500 when the span's status is an error and 200
//!   otherwise), the duration end − start.
//! - A span that fails a check is refused alone, with the reason: ids of the
//!   wrong length, no start time, an end before its start, a start outside
//!   the retention window or too far ahead, too many attributes or events,
//!   or a request event that fails the ingest API's checks (a server span
//!   over an hour long, say). Nothing of a refused span is kept.

use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value, json};

use app::metrics::RequestEvent;
use app::metrics::ingest::{MAX_NAME_CHARS, TimeWindow, checked_request};
use app::traces::ssr::NewSpan;

use super::super::attributes::{of_resource, put, service_of, text_of, time, with_scope};

/// Most attributes a span may carry (its own, before the resource's are merged).
pub const MAX_ATTRIBUTES: usize = 128;
/// Most events one span may carry.
pub const MAX_EVENTS: usize = 128;
/// Most bytes of a span's attributes and events together, as JSON.
pub const MAX_DETAIL_BYTES: usize = 64 * 1024;
/// Longest span name, in characters.
pub const MAX_SPAN_NAME_CHARS: usize = 1_000;

const SERVER: i32 = 2;
const CONSUMER: i32 = 5;

/// What an export holds, checked.
#[derive(Debug, Default)]
pub struct Converted {
    pub spans: Vec<NewSpan>,
    pub requests: Vec<RequestEvent>,
    /// One description per refused span.
    pub refused: Vec<String>,
}

/// The windows spans and request events must start in: the spans'
/// retention, and the raw request events'.
#[derive(Clone, Copy, Debug)]
pub struct Windows {
    pub spans: TimeWindow,
    pub requests: TimeWindow,
}

/// Every span of `export`, checked; see the module's rules.
pub fn convert(export: ExportTraceServiceRequest, windows: Windows) -> Converted {
    let mut converted = Converted::default();
    for (r, resource_spans) in export.resource_spans.into_iter().enumerate() {
        let resource = of_resource(resource_spans.resource);
        let service = service_of(&resource);
        for (s, scope_spans) in resource_spans.scope_spans.into_iter().enumerate() {
            let scoped = with_scope(&resource, scope_spans.scope);
            for (i, span) in scope_spans.spans.into_iter().enumerate() {
                match one(span, &service, &scoped, windows) {
                    Ok((span, request)) => {
                        converted.spans.push(span);
                        converted.requests.extend(request);
                    }
                    Err(reason) => converted
                        .refused
                        .push(format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}].{reason}")),
                }
            }
        }
    }
    converted
}

/// One span checked, and its request event if it is a server or consumer span.
fn one(
    span: Span,
    service: &str,
    scoped: &Map<String, Value>,
    windows: Windows,
) -> Result<(NewSpan, Option<RequestEvent>), String> {
    let trace_id = hex_id(&span.trace_id, 16).ok_or("traceId must be 16 bytes, not all zero")?;
    let span_id = hex_id(&span.span_id, 8).ok_or("spanId must be 8 bytes, not all zero")?;
    let parent_span_id = match span.parent_span_id.len() {
        0 => None,
        _ => Some(hex_id(&span.parent_span_id, 8).ok_or("parentSpanId must be empty or 8 bytes")?),
    };
    if service.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "resource.service.name must be at most {MAX_NAME_CHARS} characters"
        ));
    }
    if span.name.chars().count() > MAX_SPAN_NAME_CHARS {
        return Err(format!("name must be at most {MAX_SPAN_NAME_CHARS} characters"));
    }
    let start = time(span.start_time_unix_nano).ok_or("startTimeUnixNano is required")?;
    let end = time(span.end_time_unix_nano).ok_or("endTimeUnixNano is required")?;
    if end < start {
        return Err("endTimeUnixNano is before startTimeUnixNano".into());
    }
    let window = windows.spans;
    if start < window.oldest {
        return Err(format!(
            "startTimeUnixNano is older than the {}-day trace retention",
            window.retention_days
        ));
    }
    if start > window.newest {
        return Err("startTimeUnixNano is too far in the future".into());
    }
    if span.attributes.len() > MAX_ATTRIBUTES {
        return Err(format!("attributes: at most {MAX_ATTRIBUTES} per span"));
    }
    if span.events.len() > MAX_EVENTS {
        return Err(format!("events: at most {MAX_EVENTS} per span"));
    }
    let mut own = Map::new();
    for attribute in span.attributes {
        put(&mut own, attribute);
    }
    let events: Vec<Value> = span
        .events
        .into_iter()
        .map(|event| {
            let mut attributes = Map::new();
            for attribute in event.attributes {
                put(&mut attributes, attribute);
            }
            let at = time(event.time_unix_nano).unwrap_or(start);
            json!({ "name": event.name, "offset_ms": millis(at - start), "attributes": attributes })
        })
        .collect();
    let duration_ms = millis(end - start);
    let status = span.status.unwrap_or_default();
    let status_code = i16::try_from(status.code)
        .ok()
        .filter(|code| (0..=2).contains(code))
        .unwrap_or(0);
    let request = matches!(span.kind, SERVER | CONSUMER)
        .then(|| {
            request_of(
                &span.name,
                span.kind,
                &own,
                service,
                duration_ms,
                start,
                status_code,
                windows,
            )
        })
        .transpose()?;
    let mut attributes = scoped.clone();
    attributes.extend(own);
    let events = Value::Array(events);
    let bytes = serde_json::to_vec(&attributes).map_or(0, |text| text.len()) + events.to_string().len();
    if bytes > MAX_DETAIL_BYTES {
        return Err(format!(
            "attributes and events are {bytes} bytes as JSON; at most {MAX_DETAIL_BYTES}"
        ));
    }
    let new = NewSpan {
        start_ts: start,
        trace_id,
        span_id,
        parent_span_id,
        service: service.to_string(),
        name: span.name,
        kind: i16::try_from(span.kind)
            .ok()
            .filter(|kind| (0..=5).contains(kind))
            .unwrap_or(0),
        duration_ms,
        status: status_code,
        status_message: status.message,
        endpoint: request.as_ref().map(|event| event.endpoint.clone()),
        method: request.as_ref().map(|event| event.method.clone()),
        http_status: request.as_ref().map(|event| event.status),
        attributes: Value::Object(attributes),
        events,
    };
    Ok((new, request))
}

/// The request event a server or consumer span stands for.
#[allow(clippy::too_many_arguments)]
fn request_of(
    name: &str,
    kind: i32,
    own: &Map<String, Value>,
    service: &str,
    duration_ms: f64,
    start: DateTime<Utc>,
    status_code: i16,
    windows: Windows,
) -> Result<RequestEvent, String> {
    let endpoint = text_of(own, "http.route").unwrap_or(name);
    let method = text_of(own, "http.request.method")
        .or_else(|| text_of(own, "http.method"))
        .map(|method| if method == "_OTHER" { "OTHER" } else { method })
        .unwrap_or(if kind == SERVER { "SERVER" } else { "CONSUMER" });
    let http_status = ["http.response.status_code", "http.status_code"]
        .into_iter()
        .find_map(|key| match own.get(key)? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        });
    let status = http_status.unwrap_or(if status_code == 2 { 500 } else { 200 });
    let event = RequestEvent {
        service: service.to_string(),
        endpoint: endpoint.to_string(),
        method: method.to_string(),
        status: 0,
        duration_ms,
        ts: start,
    };
    checked_request(event, status, windows.requests)
        .map_err(|(field, message)| format!("(as a request event) {field} {message}"))
}

/// `bytes` as lowercase hex when it is `len` bytes long and not all zero.
fn hex_id(bytes: &[u8], len: usize) -> Option<String> {
    (bytes.len() == len && bytes.iter().any(|b| *b != 0)).then(|| hex::encode(bytes))
}

fn millis(duration: chrono::TimeDelta) -> f64 {
    duration
        .num_microseconds()
        .map_or(duration.num_milliseconds() as f64, |micros| micros as f64 / 1000.0)
}
