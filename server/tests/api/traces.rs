//! Trace spans in: `POST /v1/traces` (OTLP/HTTP, protobuf with gzip and
//! JSON) stores spans, records server spans as request events, answers
//! bad spans with a partial success, stores a retried export once; the
//! trace page and the Performance report's slowest traces read them back,
//! for the roles that may read traces.

use chrono::{Duration, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;
use serde_json::{Value, json};

use app::auth::permissions::Role;

use crate::helpers::TestApp;
use crate::ingest::insert_key;
use crate::logs_ingest::{PROTOBUF, Sent, gzip, kv, nanos, post, status_of};

const TRACE: [u8; 16] = [0xab; 16];
const TRACE_HEX: &str = "abababababababababababababababab";

/// A root server span (GET /orders/{id}, 404, 25 ms) and its client child (8 ms).
fn order_trace() -> Vec<Span> {
    let start = Utc::now() - Duration::seconds(30);
    let root = Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![1; 8],
        name: "GET /orders/{id}".into(),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: nanos(start),
        end_time_unix_nano: nanos(start + Duration::milliseconds(25)),
        attributes: vec![
            kv("http.route", "/orders/{id}"),
            kv("http.request.method", "GET"),
            kv("url.path", "/orders/42"),
        ],
        status: Some(Status {
            message: "order 42 not found".into(),
            code: 2,
        }),
        ..Default::default()
    };
    let child = Span {
        span_id: vec![2; 8],
        parent_span_id: vec![1; 8],
        name: "SELECT orders".into(),
        kind: span::SpanKind::Client as i32,
        start_time_unix_nano: nanos(start + Duration::milliseconds(5)),
        end_time_unix_nano: nanos(start + Duration::milliseconds(13)),
        attributes: vec![kv("db.system.name", "postgresql")],
        status: None,
        ..root.clone()
    };
    vec![root, child]
}

fn export(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", "shop")],
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

async fn send(app: &TestApp, key: &str, export: &ExportTraceServiceRequest, headers: &[(&str, &str)]) -> Sent {
    let mut all = vec![("content-type", PROTOBUF), ("content-encoding", "gzip")];
    all.extend_from_slice(headers);
    post(app, "/v1/traces", Some(key), &all, gzip(&export.encode_to_vec())).await
}

async fn ingest_key(app: &TestApp) -> String {
    insert_key(app, &["ingest"]).await.1
}

async fn counts(app: &TestApp) -> (i64, i64) {
    let spans: i64 = sqlx::query_scalar("SELECT count(*) FROM spans")
        .fetch_one(&app.db)
        .await
        .expect("spans");
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&app.db)
        .await
        .expect("request events");
    (spans, requests)
}

#[tokio::test]
async fn spans_are_stored_and_server_spans_are_request_events() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    let sent = send(&app, &key, &export(order_trace()), &[]).await;
    assert_eq!(sent.status, 200);
    let answer = ExportTraceServiceResponse::decode(&sent.body[..]).expect("an ExportTraceServiceResponse");
    assert_eq!(answer.partial_success, None);

    let events: Vec<(String, String, String, i16, f64)> =
        sqlx::query_as("SELECT service, endpoint, method, status, duration_ms FROM request_events")
            .fetch_all(&app.db)
            .await
            .expect("request events");
    // The route, never the URL with its id; an error status without an HTTP status counts as 500.
    assert_eq!(
        events,
        vec![("shop".into(), "/orders/{id}".into(), "GET".into(), 500, 25.0)]
    );
    type Row = (String, Option<String>, String, i16, i16, Option<String>, Value);
    let spans: Vec<Row> = sqlx::query_as(
        "SELECT span_id, parent_span_id, name, kind, status, endpoint, attributes FROM spans ORDER BY start_ts",
    )
    .fetch_all(&app.db)
    .await
    .expect("spans");
    assert_eq!(spans.len(), 2);
    assert_eq!((spans[0].0.as_str(), spans[0].1.as_deref()), ("0101010101010101", None));
    assert_eq!((spans[0].4, spans[0].5.as_deref()), (2, Some("/orders/{id}")));
    assert_eq!(
        (spans[1].1.as_deref(), spans[1].2.as_str(), spans[1].3),
        (Some("0101010101010101"), "SELECT orders", 3)
    );
    assert_eq!(spans[1].6["db.system.name"], "postgresql");
    assert_eq!(spans[1].6["service.name"], "shop");
}

#[tokio::test]
async fn a_bad_span_is_refused_alone_in_a_json_partial_success() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    let now = Utc::now() - Duration::seconds(10);
    let span = |id: &str, end: chrono::DateTime<Utc>| {
        json!({
            "traceId": TRACE_HEX, "spanId": id, "name": "GET /cart", "kind": 2,
            "startTimeUnixNano": nanos(now).to_string(), "endTimeUnixNano": nanos(end).to_string(),
            "attributes": [{ "key": "http.response.status_code", "value": { "intValue": "200" } }]
        })
    };
    let body = json!({ "resourceSpans": [{
        "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "cart" } }] },
        "scopeSpans": [{ "spans": [span("0000000000000001", now + Duration::milliseconds(4)), span("0000000000000002", now - Duration::seconds(1))] }]
    }]});
    let sent = post(
        &app,
        "/v1/traces",
        Some(&key),
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await;
    assert_eq!(sent.status, 200);
    let answer: Value = serde_json::from_slice(&sent.body).expect("JSON");
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], 1, "{answer}");
    let message = answer["partialSuccess"]["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("resourceSpans[0].scopeSpans[0].spans[1].endTimeUnixNano is before startTimeUnixNano"),
        "{message}"
    );
    assert_eq!(counts(&app).await, (1, 1));
}

#[tokio::test]
async fn a_retried_export_with_its_idempotency_key_is_stored_once() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    for _ in 0..2 {
        let sent = send(&app, &key, &export(order_trace()), &[("idempotency-key", "export-1")]).await;
        assert_eq!(sent.status, 200);
    }
    assert_eq!(counts(&app).await, (2, 1));
}

#[tokio::test]
async fn refusals_are_statuses_and_store_nothing() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    let logs_only = insert_key(&app, &["logs"]).await.1;
    let body = export(order_trace()).encode_to_vec();
    let no_key = post(&app, "/v1/traces", None, &[("content-type", PROTOBUF)], body.clone()).await;
    assert_eq!(no_key.status, 401);
    let wrong_scope = post(
        &app,
        "/v1/traces",
        Some(&logs_only),
        &[("content-type", PROTOBUF)],
        body.clone(),
    )
    .await;
    assert_eq!(wrong_scope.status, 403);
    let xml = post(
        &app,
        "/v1/traces",
        Some(&key),
        &[("content-type", "application/xml")],
        body,
    )
    .await;
    assert_eq!(xml.status, 415);
    let garbage = post(
        &app,
        "/v1/traces",
        Some(&key),
        &[("content-type", PROTOBUF)],
        vec![0xff_u8; 64],
    )
    .await;
    assert_eq!(garbage.status, 400);
    assert!(
        status_of(&garbage).message.contains("not a valid protobuf"),
        "{}",
        status_of(&garbage).message
    );
    let not_otlp = post(
        &app,
        "/v1/traces",
        Some(&key),
        &[("content-type", "application/json")],
        "{\"spans\": []}",
    )
    .await;
    assert_eq!(not_otlp.status, 400);
    assert_eq!(counts(&app).await, (0, 0));
}

#[tokio::test]
async fn the_trace_page_and_slowest_traces_are_for_trace_readers() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    assert_eq!(send(&app, &key, &export(order_trace()), &[]).await.status, 200);
    for (role, allowed) in [
        (Role::Admin, true),
        (Role::Operator, true),
        (Role::Support, true),
        (Role::Manager, false),
        (Role::Viewer, false),
    ] {
        let (browser, _) = app.signed_in(role).await;
        let page = browser.get(&format!("/traces/{TRACE_HEX}")).await;
        assert_eq!(page.status().as_u16(), if allowed { 200 } else { 403 }, "{role:?} page");
        let html = page.text().await.unwrap_or_default();
        assert_eq!(html.contains("SELECT orders"), allowed, "{role:?}");
        let report = browser
            .post_fn(
                "/api/metrics/performance",
                &[
                    ("query[service]", "shop"),
                    ("query[endpoint]", "/orders/{id}"),
                    ("query[range]", "1h"),
                ],
            )
            .await;
        assert_eq!(report.status().as_u16(), 200, "{role:?} report");
        let report: Value = report.json().await.expect("JSON");
        if allowed {
            assert_eq!(report["slowest_traces"][0]["trace_id"], TRACE_HEX, "{role:?}: {report}");
            assert_eq!(report["slowest_traces"][0]["error"], true);
        } else {
            assert_eq!(report["slowest_traces"], Value::Null, "{role:?}");
        }
    }
    let (support, _) = app.signed_in(Role::Support).await;
    let answer = support.post_fn("/api/traces/trace", &[("trace_id", TRACE_HEX)]).await;
    let trace: app::traces::TraceView = answer.json().await.expect("a TraceView");
    let rows: Vec<(&str, usize)> = trace
        .rows
        .iter()
        .map(|row| (row.span.name.as_str(), row.depth))
        .collect();
    assert_eq!(rows, vec![("GET /orders/{id}", 0), ("SELECT orders", 1)]);
    assert_eq!(
        (trace.duration_ms, trace.services.clone()),
        (25.0, vec!["shop".to_string()])
    );
    for missing in ["cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "not-a-trace"] {
        let page = support.get(&format!("/traces/{missing}")).await;
        assert_eq!(page.status().as_u16(), 404, "{missing}");
        assert!(
            page.text()
                .await
                .unwrap_or_default()
                .contains("No spans of this trace are stored")
        );
    }
}

#[tokio::test]
async fn retention_drops_whole_span_partitions() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.acquire().await.expect("connection");
    let today = Utc::now().date_naive();
    let old = today - Duration::days(10);
    app::traces::ssr::partitions::PARTITIONS
        .ensure_days(&mut conn, &[old])
        .await
        .expect("old partition");
    let dropped = app::traces::ssr::partitions::drop_expired(&mut conn, 3, today)
        .await
        .expect("dropped");
    assert!(
        dropped.contains(&format!("spans_p{}", old.format("%Y%m%d"))),
        "{dropped:?}"
    );
    let kept: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(format!("spans_p{}", today.format("%Y%m%d")))
        .fetch_one(&mut *conn)
        .await
        .expect("today");
    assert!(kept.is_some(), "today's partition is kept");
}

#[tokio::test]
async fn more_spans_than_one_request_may_hold_is_413_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let key = ingest_key(&app).await;
    let one = order_trace().remove(1);
    let spans = (0..=app::metrics::ingest::MAX_RECORDS).map(|_| one.clone()).collect();
    let sent = send(&app, &key, &export(spans), &[]).await;
    assert_eq!(sent.status, 413);
    let message = status_of(&sent).message;
    assert!(
        message.starts_with("10001 spans in one request; at most 10000"),
        "{message}"
    );
    assert_eq!(counts(&app).await, (0, 0));
}
