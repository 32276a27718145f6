use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::ndjson::{NdjsonError, parse};
use super::*;
use crate::logs::NewLogLine;

fn window() -> TimeWindow {
    TimeWindow::around(
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single().unwrap_or_default(),
        7,
    )
}

fn line() -> NewLogLine {
    let now = window().now;
    NewLogLine {
        ts: now,
        observed_ts: now,
        service: "checkout".into(),
        host: "web-1".into(),
        severity: 9,
        severity_text: "INFO".into(),
        body: "payment accepted".into(),
        attributes: json!({ "order": 42 }),
        trace_id: None,
        span_id: None,
    }
}

fn field_of(mut line: NewLogLine) -> Option<Field> {
    check(&mut line, window()).err().map(|problem| problem.field)
}

#[test]
fn a_plain_line_passes_unchanged() {
    let mut checked = line();
    assert_eq!(check(&mut checked, window()), Ok(()));
    assert_eq!(checked, line());
}

#[test]
fn each_limit_names_its_field() {
    let mut old = line();
    old.ts = window().now - Duration::days(8);
    assert_eq!(field_of(old), Some(Field::Ts));
    let mut ahead = line();
    ahead.ts = window().now + Duration::hours(1);
    assert_eq!(field_of(ahead), Some(Field::Ts));
    let mut nameless = line();
    nameless.service = "  ".into();
    assert_eq!(field_of(nameless), Some(Field::Service));
    let mut long_host = line();
    long_host.host = "h".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(field_of(long_host), Some(Field::Host));
    let mut loud = line();
    loud.severity = 25;
    assert_eq!(field_of(loud), Some(Field::Severity));
    let mut huge = line();
    huge.body = "x".repeat(MAX_BODY_BYTES + 1);
    assert_eq!(field_of(huge), Some(Field::Body));
    let mut many = line();
    many.attributes = Value::Object((0..10_000).map(|i| (format!("k{i}"), json!(i))).collect());
    assert_eq!(field_of(many), Some(Field::Attributes));
    let mut wide = line();
    wide.attributes = json!({ "big": "v".repeat(MAX_ATTRIBUTES_BYTES) });
    assert_eq!(field_of(wide), Some(Field::Attributes));
    let mut bad_trace = line();
    bad_trace.trace_id = Some("xyz".into());
    assert_eq!(field_of(bad_trace), Some(Field::TraceId));
    let mut bad_span = line();
    bad_span.span_id = Some("0123456789abcdef0".into());
    assert_eq!(field_of(bad_span), Some(Field::SpanId));
}

#[test]
fn ids_are_lowercased_and_zero_ids_are_none() {
    let mut traced = line();
    traced.trace_id = Some("4BF92F3577B34DA6A3CE929D0E0E4736".into());
    traced.span_id = Some("0".repeat(16));
    assert_eq!(check(&mut traced, window()), Ok(()));
    assert_eq!(traced.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    assert_eq!(traced.span_id, None);
}

#[test]
fn nul_characters_become_replacement_characters() {
    let mut dirty = line();
    dirty.body = "a\0b".into();
    dirty.attributes = json!({ "k\0": ["v\0"] });
    assert_eq!(check(&mut dirty, window()), Ok(()));
    assert_eq!(dirty.body, "a\u{FFFD}b");
    assert_eq!(dirty.attributes, json!({ "k\u{FFFD}": ["v\u{FFFD}"] }));
}

#[test]
fn nested_attributes_flatten_to_dotted_keys() {
    let mut out = serde_json::Map::new();
    flatten_into(
        &mut out,
        "http".into(),
        json!({ "request": { "method": "GET" }, "status": 200 }),
    );
    flatten_into(&mut out, "empty".into(), json!({}));
    assert_eq!(
        Value::Object(out),
        json!({ "http.request.method": "GET", "http.status": 200, "empty": {} })
    );
    assert_eq!(float_value(f64::NAN), json!("NaN"));
}

fn refused(body: &str) -> NdjsonError {
    match parse(body.as_bytes(), window()) {
        Ok(lines) => panic!("accepted {lines:?}"),
        Err(error) => error,
    }
}

#[test]
fn ndjson_lines_are_parsed_with_defaults() {
    let body = "{\"service\":\"checkout\",\"message\":\"hello\"}\n\n\
                {\"ts\":\"2026-12-06T11:00:00Z\",\"service\":\"api\",\"level\":\"WARNING\",\"message\":\"slow\",\
                \"attributes\":{\"db\":{\"ms\":12}},\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"host\":\"web-2\"}\r\n";
    let lines = parse(body.as_bytes(), window()).unwrap_or_default();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].ts, window().now);
    assert_eq!(lines[0].severity, crate::logs::Level::Info.severity());
    assert_eq!(lines[1].severity, 13);
    assert_eq!(lines[1].severity_text, "WARNING");
    assert_eq!(lines[1].attributes, json!({ "db.ms": 12 }));
    assert_eq!(lines[1].host, "web-2");
    assert_eq!(super::ndjson::count_lines(body.as_bytes()), 2);
}

#[test]
fn a_bad_ndjson_line_is_named_with_its_field() {
    let good = "{\"service\":\"a\",\"message\":\"m\"}\n";
    let cases = [
        (format!("{good}{{\"message\":\"m\"}}"), 2, Some("service")),
        (format!("{good}{good}{{\"service\":\"a\"}}"), 3, Some("message")),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"colour\":1}".to_string(),
            1,
            Some("colour"),
        ),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"level\":\"loud\"}".to_string(),
            1,
            Some("level"),
        ),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"ts\":\"yesterday\"}".to_string(),
            1,
            Some("ts"),
        ),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"ts\":\"2000-01-01T00:00:00Z\"}".to_string(),
            1,
            Some("ts"),
        ),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"attributes\":[1]}".to_string(),
            1,
            Some("attributes"),
        ),
        (
            "{\"service\":\"a\",\"message\":\"m\",\"trace_id\":\"abc\"}".to_string(),
            1,
            Some("trace_id"),
        ),
        (format!("{good}[1,2]"), 2, None),
        (format!("{good}{{\"service\": "), 2, None),
    ];
    for (body, line, field) in cases {
        let error = refused(&body);
        assert_eq!(error.line, Some(line), "{body}: {error:?}");
        assert_eq!(error.field.as_deref(), field, "{body}: {error:?}");
        assert!(error.error.starts_with(&format!("line {line}")), "{error:?}");
    }
}

#[test]
fn invalid_utf8_is_refused_not_repaired() {
    let mut body = b"{\"service\":\"a\",\"message\":\"".to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"\"}");
    let error = parse(&body, window()).err().unwrap_or_else(|| NdjsonError {
        error: String::new(),
        line: None,
        field: None,
    });
    assert_eq!(error.line, Some(1));
    assert!(error.error.contains("UTF-8"), "{error:?}");
}
