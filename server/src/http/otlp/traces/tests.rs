use chrono::{DateTime, Duration, TimeZone, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use serde_json::json;

use super::convert::{Converted, MAX_ATTRIBUTES, MAX_DETAIL_BYTES, Windows, convert};
use app::metrics::ingest::TimeWindow;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).single().unwrap_or_default()
}

fn windows() -> Windows {
    Windows {
        spans: TimeWindow::around(now(), 3),
        requests: TimeWindow::around(now(), 7),
    }
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn text(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn int(key: &str, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

fn nanos(ts: DateTime<Utc>) -> u64 {
    u64::try_from(ts.timestamp_nanos_opt().unwrap_or_default()).unwrap_or_default()
}

/// A span of `kind` starting a minute before `now()`, lasting `ms`.
fn span_of(kind: span::SpanKind, name: &str, ms: i64, attributes: Vec<KeyValue>) -> Span {
    let start = now() - Duration::minutes(1);
    Span {
        trace_id: vec![0x0a; 16],
        span_id: vec![0x0b; 8],
        name: name.into(),
        kind: kind as i32,
        start_time_unix_nano: nanos(start),
        end_time_unix_nano: nanos(start + Duration::milliseconds(ms)),
        attributes,
        ..Default::default()
    }
}

fn export(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![text("service.name", "shop"), text("host.name", "web-1")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn converted(spans: Vec<Span>) -> Converted {
    convert(export(spans), windows())
}

/// (endpoint, method, status, duration) of the one request event.
fn request(span: Span) -> Option<(String, String, i16, f64)> {
    let Converted { requests, refused, .. } = converted(vec![span]);
    assert!(refused.is_empty(), "{refused:?}");
    requests.first().map(|event| {
        (
            event.endpoint.clone(),
            event.method.clone(),
            event.status,
            event.duration_ms,
        )
    })
}

#[test]
fn server_spans_become_request_events_by_these_rules() {
    use span::SpanKind::*;
    let route = || text("http.route", "/orders/{id}");
    type Expected = Option<(&'static str, &'static str, i16)>;
    let cases: Vec<(Span, Expected)> = vec![
        // Route, method and status from the stable semantic conventions.
        (
            span_of(
                Server,
                "GET /orders/{id}",
                12,
                vec![
                    route(),
                    text("http.request.method", "GET"),
                    int("http.response.status_code", 404),
                    text("url.path", "/orders/42"),
                ],
            ),
            Some(("/orders/{id}", "GET", 404)),
        ),
        // The older attribute names, a status as text.
        (
            span_of(
                Server,
                "POST",
                12,
                vec![route(), text("http.method", "post"), text("http.status_code", "201")],
            ),
            Some(("/orders/{id}", "POST", 201)),
        ),
        // No route: the span name (never url.path); no status: 200.
        (
            span_of(Server, "GET /health", 12, vec![text("url.path", "/health?x=1")]),
            Some(("GET /health", "SERVER", 200)),
        ),
        (
            span_of(Server, "GET", 12, vec![text("http.request.method", "_OTHER")]),
            Some(("GET", "OTHER", 200)),
        ),
        (
            span_of(Consumer, "orders process", 12, vec![]),
            Some(("orders process", "CONSUMER", 200)),
        ),
        // Client, internal and producer spans are stored only.
        (span_of(Client, "SELECT orders", 12, vec![]), None),
        (span_of(Internal, "render", 12, vec![]), None),
        (span_of(Producer, "orders publish", 12, vec![]), None),
    ];
    for (span, expected) in cases {
        let name = span.name.clone();
        let got = request(span);
        assert_eq!(
            got.as_ref().map(|(e, m, s, _)| (e.as_str(), m.as_str(), *s)),
            expected,
            "span {name}"
        );
        if let Some((_, _, _, ms)) = got {
            assert!((ms - 12.0).abs() < 1e-9, "{name}: {ms}");
        }
    }
}

#[test]
fn an_error_status_without_an_http_status_counts_as_500() {
    let mut span = span_of(span::SpanKind::Server, "charge", 3, vec![]);
    span.status = Some(Status {
        message: "card declined".into(),
        code: 2,
    });
    let Converted { spans, requests, .. } = converted(vec![span]);
    assert_eq!(requests[0].status, 500);
    assert_eq!(
        (spans[0].status, spans[0].status_message.as_str()),
        (2, "card declined")
    );
    assert_eq!(spans[0].http_status, Some(500));
}

#[test]
fn a_stored_span_keeps_ids_attributes_and_events() {
    let mut span = span_of(
        span::SpanKind::Client,
        "SELECT orders",
        8,
        vec![text("db.system.name", "postgresql")],
    );
    span.parent_span_id = vec![0x0c; 8];
    span.events = vec![span::Event {
        time_unix_nano: span.start_time_unix_nano + 2_500_000,
        name: "rows read".into(),
        attributes: vec![int("rows", 3)],
        ..Default::default()
    }];
    let Converted {
        spans,
        requests,
        refused,
    } = converted(vec![span]);
    assert!(requests.is_empty() && refused.is_empty());
    let stored = &spans[0];
    assert_eq!(stored.trace_id, "0a".repeat(16));
    assert_eq!(stored.span_id, "0b".repeat(8));
    assert_eq!(stored.parent_span_id.as_deref(), Some("0c0c0c0c0c0c0c0c"));
    assert_eq!(
        (stored.service.as_str(), stored.kind, stored.duration_ms),
        ("shop", 3, 8.0)
    );
    assert_eq!(stored.attributes["db.system.name"], "postgresql");
    assert_eq!(stored.attributes["host.name"], "web-1");
    assert_eq!(
        stored.events,
        json!([{ "name": "rows read", "offset_ms": 2.5, "attributes": { "rows": 3 } }])
    );
    assert_eq!(stored.endpoint, None);
}

#[test]
fn bad_spans_are_refused_alone_with_the_reason() {
    use span::SpanKind::*;
    let good = span_of(Server, "GET /ok", 5, vec![]);
    let mut short_id = good.clone();
    short_id.trace_id = vec![1; 8];
    let mut zero_span = good.clone();
    zero_span.span_id = vec![0; 8];
    let mut backwards = good.clone();
    backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1;
    let mut no_start = good.clone();
    no_start.start_time_unix_nano = 0;
    let mut old = good.clone();
    old.start_time_unix_nano = nanos(now() - Duration::days(4));
    old.end_time_unix_nano = old.start_time_unix_nano + 1_000;
    let too_long = span_of(Server, "GET /report", 2 * 3_600_000, vec![]);
    let crowded = span_of(
        Internal,
        "busy",
        1,
        (0..=MAX_ATTRIBUTES as i64).map(|n| int(&format!("a{n}"), n)).collect(),
    );
    let huge = span_of(Internal, "huge", 1, vec![text("blob", &"x".repeat(MAX_DETAIL_BYTES))]);
    let Converted {
        spans,
        requests,
        refused,
    } = converted(vec![
        good, short_id, zero_span, backwards, no_start, old, too_long, crowded, huge,
    ]);
    assert_eq!((spans.len(), requests.len()), (1, 1));
    let expected = [
        "spans[1].traceId must be 16 bytes",
        "spans[2].spanId must be 8 bytes",
        "spans[3].endTimeUnixNano is before startTimeUnixNano",
        "spans[4].startTimeUnixNano is required",
        "spans[5].startTimeUnixNano is older than the 3-day trace retention",
        "spans[6].(as a request event) duration_ms must be at most 3600000",
        "spans[7].attributes: at most 128 per span",
        "spans[8].attributes and events are",
    ];
    assert_eq!(refused.len(), expected.len(), "{refused:#?}");
    for (reason, start) in refused.iter().zip(expected) {
        assert!(
            reason.starts_with(&format!("resourceSpans[0].scopeSpans[0].{start}")),
            "{reason}"
        );
    }
}

#[test]
fn a_resource_without_a_service_name_is_unknown_service() {
    let mut request = export(vec![span_of(span::SpanKind::Server, "GET /", 1, vec![])]);
    request.resource_spans[0].resource = None;
    let Converted { spans, requests, .. } = convert(request, windows());
    assert_eq!(
        (spans[0].service.as_str(), requests[0].service.as_str()),
        ("unknown_service", "unknown_service")
    );
}
