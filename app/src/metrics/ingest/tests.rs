//! Each way a batch can be refused names the record and the field.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;

fn window() -> TimeWindow {
    TimeWindow::around(
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .unwrap_or_default(),
        DEFAULT_RAW_RETENTION_DAYS,
    )
}

fn request() -> Value {
    json!({ "service": "checkout", "endpoint": "/pay", "method": "post", "status": 201, "duration_ms": 12.5, "ts": "2026-11-24T11:59:00Z" })
}

fn sample() -> Value {
    json!({ "service": "checkout", "name": "queue_depth", "value": 3, "labels": { "queue": "mail" }, "ts": "2026-11-24T11:59:00Z", "kind": "gauge" })
}

fn json_body(requests: Vec<Value>, samples: Vec<Value>) -> Vec<u8> {
    json!({ "requests": requests, "samples": samples })
        .to_string()
        .into_bytes()
}

fn refused(body: &[u8], format: BodyFormat) -> IngestError {
    match parse_body(body, format, window()) {
        Ok(batch) => panic!("accepted: {batch:?}"),
        Err(error) => error,
    }
}

fn with(mut record: Value, field: &str, value: Value) -> Value {
    record[field] = value;
    record
}

fn without(mut record: Value, field: &str) -> Value {
    if let Some(map) = record.as_object_mut() {
        map.remove(field);
    }
    record
}

#[test]
fn a_valid_json_batch_becomes_typed_records() {
    let batch = parse_body(
        &json_body(vec![request(), without(request(), "ts")], vec![sample()]),
        BodyFormat::Json,
        window(),
    )
    .expect("valid");
    assert_eq!(batch.len(), 3);
    assert_eq!(batch.requests[0].method, "POST");
    assert_eq!(batch.requests[0].status, 201);
    assert_eq!(batch.requests[1].ts, window().now, "ts defaults to now");
    assert_eq!(batch.samples[0].labels.get("queue").map(String::as_str), Some("mail"));
    assert_eq!(batch.samples[0].kind, crate::metrics::MetricKind::Gauge);
}

#[test]
fn an_empty_object_is_an_empty_batch() {
    assert!(parse_body(b"{}", BodyFormat::Json, window()).expect("valid").is_empty());
}

/// One bad record per field problem: (record, whether it is a request, the field named).
fn field_problems() -> Vec<(Value, bool, &'static str)> {
    vec![
        (without(request(), "service"), true, "service"),
        (with(request(), "service", json!("")), true, "service"),
        (with(request(), "endpoint", json!("x".repeat(201))), true, "endpoint"),
        (with(request(), "method", json!("GE T")), true, "method"),
        (with(request(), "status", json!(99)), true, "status"),
        (with(request(), "status", json!(600)), true, "status"),
        (with(request(), "status", json!(200.5)), true, "status"),
        (with(request(), "status", json!("200")), true, "status"),
        (with(request(), "duration_ms", json!(-1)), true, "duration_ms"),
        (with(request(), "duration_ms", json!(3_600_001)), true, "duration_ms"),
        (with(request(), "ts", json!("2026-11-10T00:00:00Z")), true, "ts"),
        (with(request(), "ts", json!("2026-11-24T12:11:00Z")), true, "ts"),
        (with(request(), "ts", json!("yesterday")), true, "ts"),
        (with(request(), "ts", json!(1_764_000_000)), true, "ts"),
        (with(request(), "colour", json!("red")), true, "colour"),
        (with(sample(), "name", json!("a\u{0007}b")), false, "name"),
        (with(sample(), "value", json!("3")), false, "value"),
        (with(sample(), "kind", json!("histogram")), false, "kind"),
        (without(sample(), "kind"), false, "kind"),
        (
            with(with(sample(), "kind", json!("counter")), "value", json!(-2)),
            false,
            "value",
        ),
        (with(sample(), "labels", json!(["a"])), false, "labels"),
        (with(sample(), "labels", json!({ "a": 1 })), false, "labels.a"),
        (with(sample(), "labels", json!({ "": "x" })), false, "labels"),
        (
            with(sample(), "labels", json!({ "a": "v".repeat(201) })),
            false,
            "labels.a",
        ),
        (
            with(
                sample(),
                "labels",
                Value::Object((0..21).map(|i| (format!("k{i}"), json!("v"))).collect()),
            ),
            false,
            "labels",
        ),
    ]
}

/// A body with `bad` as the third record of its list.
fn body_with(bad: &Value, is_request: bool) -> Vec<u8> {
    if is_request {
        json_body(vec![request(), request(), bad.clone()], vec![])
    } else {
        json_body(vec![request()], vec![sample(), sample(), bad.clone()])
    }
}

#[test]
fn each_field_problem_names_the_record_and_field() {
    for (bad, is_request, field) in field_problems() {
        let body = body_with(&bad, is_request);
        let error = refused(&body, BodyFormat::Json);
        assert_eq!(error.record, Some(2), "{bad}: {error:?}");
        assert_eq!(error.field.as_deref(), Some(field), "{bad}: {error:?}");
        assert_eq!(error.list, Some(if is_request { "requests" } else { "samples" }));
    }
}

#[test]
fn the_fast_path_gives_the_located_readers_batch_or_gives_up() {
    let mut bodies: Vec<Vec<u8>> = vec![
        json_body(vec![request(), without(request(), "ts")], vec![sample()]),
        json_body(
            vec![with(request(), "ts", Value::Null)],
            vec![without(sample(), "labels")],
        ),
        json_body(vec![with(request(), "endpoint", json!("/caf\u{e9}/\"q\""))], vec![]),
        json_body(
            vec![],
            vec![with(with(sample(), "kind", json!("counter")), "labels", Value::Null)],
        ),
        json_body(vec![with(request(), "duration_ms", json!(0))], vec![]),
        br#"{"samples": [{"service": "a", "name": "b", "value": 1, "kind": "gauge", "labels": {"x": "1", "x": "2"}}]}"#
            .to_vec(),
        b"{}".to_vec(),
        br#"{"requests": []}"#.to_vec(),
        br#"{"requests": null}"#.to_vec(),
        br#"{"requests": {"service": "a"}}"#.to_vec(),
        br#"{"requests": [5]}"#.to_vec(),
        br#"{"events": []}"#.to_vec(),
        br#"{"requests": [], "requests": []}"#.to_vec(),
        br#"{"requests": [{"service": "a", "service": "b"}]}"#.to_vec(),
        br#"{"requests": []} trailing"#.to_vec(),
        br#"[1, 2]"#.to_vec(),
        json_body(vec![request(); MAX_RECORDS], vec![sample()]),
    ];
    bodies.extend(
        field_problems()
            .iter()
            .map(|(bad, is_request, _)| body_with(bad, *is_request)),
    );
    let mut fast_answers = 0;
    for body in &bodies {
        let text = std::str::from_utf8(body).expect("UTF-8");
        let located = parse_json_located(text, window());
        match fast::parse_json(text, window()) {
            Some(batch) => {
                assert_eq!(Ok(batch), located, "{text}");
                fast_answers += 1;
            }
            None => assert!(located.is_err(), "the fast path gave up on a valid body: {text}"),
        }
    }
    assert_eq!(fast_answers, 8, "every valid body takes the fast path");
}

#[test]
fn a_number_too_large_for_a_float_is_refused_naming_its_record_and_field() {
    let body = br#"{"requests": [], "samples": [{"service": "a", "name": "b", "kind": "gauge"}, {"service": "a", "name": "b", "kind": "gauge", "value": 1e999}]}"#;
    let error = refused(body, BodyFormat::Json);
    assert_eq!(
        (error.list, error.record, error.field.as_deref()),
        (Some("samples"), Some(1), Some("value")),
        "{error:?}"
    );
}

#[test]
fn wrong_shapes_are_refused() {
    let error = refused(br#"{"requests": {"service": "a"}}"#, BodyFormat::Json);
    assert_eq!((error.list, error.record), (Some("requests"), None), "{error:?}");
    let error = refused(br#"{"requests": [5]}"#, BodyFormat::Json);
    assert_eq!((error.list, error.record), (Some("requests"), Some(0)), "{error:?}");
    let error = refused(br#"{"events": []}"#, BodyFormat::Json);
    assert_eq!(error.field.as_deref(), Some("events"), "{error:?}");
    let error = refused(br#"[1, 2]"#, BodyFormat::Json);
    assert_eq!(error.record, None);
    let error = refused(br#"{"requests": []} trailing"#, BodyFormat::Json);
    assert!(error.error.contains("trailing"), "{error:?}");
    let error = refused(br#"{"requests": [{"service": "a", "service": "b"}]}"#, BodyFormat::Json);
    assert_eq!(error.field.as_deref(), Some("service"), "{error:?}");
}

#[test]
fn invalid_utf8_is_refused_with_its_position() {
    let mut body = b"{\"requests\": [{\"service\": \"caf".to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"\"}]}");
    let error = refused(&body, BodyFormat::Json);
    assert!(error.error.contains("UTF-8"), "{error:?}");
    let mut lines = b"{\"type\":\"request\"}\n".to_vec();
    lines.extend_from_slice(&[0xc3, 0x28, b'\n']);
    assert_eq!(refused(&lines, BodyFormat::Ndjson).record, Some(2));
}

#[test]
fn too_many_records_are_refused() {
    let body = json_body(vec![request(); MAX_RECORDS], vec![sample()]);
    let error = refused(&body, BodyFormat::Json);
    assert!(error.error.contains("at most 10000 records"), "{error:?}");
    assert!(
        parse_body(
            &json_body(vec![request(); MAX_RECORDS], vec![]),
            BodyFormat::Json,
            window()
        )
        .is_ok()
    );
}

fn ndjson(lines: &[Value]) -> Vec<u8> {
    lines
        .iter()
        .map(|line| format!("{line}\n"))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn ndjson_records_carry_their_type_and_errors_give_the_line() {
    let good = ndjson(&[
        with(request(), "type", json!("request")),
        with(sample(), "type", json!("sample")),
    ]);
    let batch = parse_body(&good, BodyFormat::Ndjson, window()).expect("valid");
    assert_eq!((batch.requests.len(), batch.samples.len()), (1, 1));

    let mut text = String::from_utf8(good).unwrap_or_default();
    text.push_str("\n{\"type\": \"request\", \"service\": \"a\"\n");
    let error = refused(text.as_bytes(), BodyFormat::Ndjson);
    assert_eq!(error.record, Some(4), "blank lines count: {error:?}");
    assert!(error.error.starts_with("line 4:"), "{error:?}");

    let bad = ndjson(&[
        with(request(), "type", json!("request")),
        with(with(request(), "type", json!("request")), "duration_ms", json!(-5)),
    ]);
    let error = refused(&bad, BodyFormat::Ndjson);
    assert_eq!(
        (error.record, error.field.as_deref()),
        (Some(2), Some("duration_ms")),
        "{error:?}"
    );

    let error = refused(&ndjson(&[request()]), BodyFormat::Ndjson);
    assert_eq!((error.record, error.field.as_deref()), (Some(1), Some("type")));
    let error = refused(&ndjson(&[with(request(), "type", json!("event"))]), BodyFormat::Ndjson);
    assert_eq!(error.field.as_deref(), Some("type"));
    let error = refused(b"{\"type\": \"sample\", \"value\": 1e999}\n", BodyFormat::Ndjson);
    assert_eq!(
        (error.record, error.field.as_deref()),
        (Some(1), Some("value")),
        "{error:?}"
    );
}
