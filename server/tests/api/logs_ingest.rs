//! Log lines in: `POST /v1/logs` (OTLP/HTTP, protobuf and JSON, gzip),
//! `POST /api/v1/logs` (NDJSON), Opsdeck's own events, and retention.
//! Acknowledged means committed; refused means nothing stored.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::ingest::insert_key;

pub(crate) const PROTOBUF: &str = "application/x-protobuf";

/// `google.rpc.Status`, as the server answers refusals in protobuf.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

fn text(value: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(value.into())),
    })
}

pub(crate) fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: text(value),
        ..Default::default()
    }
}

pub(crate) fn nanos(ts: DateTime<Utc>) -> u64 {
    u64::try_from(ts.timestamp_nanos_opt().expect("in range")).expect("after 1970")
}

fn record(body: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: nanos(Utc::now() - Duration::seconds(5)),
        severity_number: 13,
        severity_text: "WARN".into(),
        body: text(body),
        attributes: vec![kv("http.route", "/pay")],
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
        ..Default::default()
    }
}

fn export(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", "checkout"), kv("host.name", "web-1")],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

pub(crate) struct Sent {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Sent {
    let mut request = app.client.post(format!("{}{path}", app.address)).body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Sent {
        status: response.status().as_u16(),
        content_type: header("content-type").unwrap_or_default(),
        retry_after: header("retry-after"),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

async fn otlp(app: &TestApp, key: &str, export: &ExportLogsServiceRequest) -> Sent {
    post(
        app,
        "/v1/logs",
        Some(key),
        &[("content-type", PROTOBUF)],
        export.encode_to_vec(),
    )
    .await
}

async fn ndjson(app: &TestApp, key: &str, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut all = vec![("content-type", "application/x-ndjson")];
    all.extend_from_slice(headers);
    let sent = post(app, "/api/v1/logs", Some(key), &all, body.to_string()).await;
    (sent.status, serde_json::from_slice(&sent.body).unwrap_or(Value::Null))
}

pub(crate) fn status_of(sent: &Sent) -> Status {
    assert_eq!(sent.content_type, PROTOBUF);
    Status::decode(&sent.body[..]).expect("a google.rpc.Status")
}

async fn bodies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM log_lines ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("log lines")
}

async fn logs_key(app: &TestApp) -> String {
    insert_key(app, &["logs"]).await.1
}

#[tokio::test]
async fn otlp_protobuf_records_are_stored_and_published_with_their_ids() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let sent = otlp(
        &app,
        &key,
        &export(vec![record("payment declined"), record("retrying")]),
    )
    .await;
    assert_eq!(sent.status, 200);
    let answer = ExportLogsServiceResponse::decode(&sent.body[..]).expect("an ExportLogsServiceResponse");
    assert_eq!(answer.partial_success, None);

    type Row = (
        i64,
        String,
        String,
        i16,
        String,
        String,
        Value,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, service, host, severity, severity_text, body, attributes, trace_id, span_id \
         FROM log_lines ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 2);
    let (id, service, host, severity, severity_text, body, attributes, trace_id, span_id) = rows[0].clone();
    assert_eq!((service.as_str(), host.as_str()), ("checkout", "web-1"));
    assert_eq!(
        (severity, severity_text.as_str(), body.as_str()),
        (13, "WARN", "payment declined")
    );
    assert_eq!(attributes["http.route"], "/pay");
    assert_eq!(attributes["service.name"], "checkout");
    assert_eq!(trace_id.as_deref(), Some("0102030405060708090a0b0c0d0e0f10"));
    assert_eq!(span_id.as_deref(), Some("0102030405060708"));

    // The live tail's contract: one stream entry per committed line, field `line`.
    let mut redis = app.redis().await;
    let stream = format!("{}{}", app.redis_prefix, app::logs::LIVE_STREAM);
    let mut published = Vec::new();
    for _ in 0..50 {
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .query_async(&mut redis)
            .await
            .expect("XRANGE");
        published = entries;
        if published.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(published.len(), 2, "each line is published once");
    let (field, json) = &published[0].1[0];
    assert_eq!(field, "line");
    let line: app::logs::LogLine = serde_json::from_str(json).expect("a LogLine");
    assert_eq!((line.id, line.body.as_str()), (id, "payment declined"));
}

#[tokio::test]
async fn otlp_json_with_hex_ids_and_string_integers_is_stored() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let ts = nanos(Utc::now() - Duration::seconds(3)).to_string();
    let body = json!({ "resourceLogs": [{
        "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "api" } }] },
        "scopeLogs": [{ "scope": { "name": "node" }, "logRecords": [{
            "timeUnixNano": ts,
            "severityNumber": 9,
            "body": { "stringValue": "json door" },
            "attributes": [{ "key": "count", "value": { "intValue": "7" } }],
            "traceId": "5B8EFFF798038103D269B633813FC60C",
            "spanId": "EEE19B7EC3C1B174"
        }] }]
    }] });
    let sent = post(
        &app,
        "/v1/logs",
        Some(&key),
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
    assert_eq!(sent.content_type, "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).expect("JSON"), json!({}));
    let (service, attributes, trace_id, ts_stored): (String, Value, Option<String>, DateTime<Utc>) =
        sqlx::query_as("SELECT service, attributes, trace_id, ts FROM log_lines")
            .fetch_one(&app.db)
            .await
            .expect("one line");
    assert_eq!(service, "api");
    assert_eq!(attributes["count"], 7);
    assert_eq!(attributes["otel.scope.name"], "node");
    assert_eq!(trace_id.as_deref(), Some("5b8efff798038103d269b633813fc60c"));
    assert_eq!(
        nanos(ts_stored) / 1000,
        ts.parse::<u64>().expect("number") / 1000,
        "microseconds kept"
    );
}

#[tokio::test]
async fn a_gzipped_body_is_decompressed_and_a_bomb_is_413() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_LOGS_MAX_BYTES", "65536")
        .spawn()
        .await;
    let key = logs_key(&app).await;
    let zipped = gzip(&export(vec![record("compressed")]).encode_to_vec());
    let headers = [("content-type", PROTOBUF), ("content-encoding", "gzip")];
    let sent = post(&app, "/v1/logs", Some(&key), &headers, zipped).await;
    assert_eq!(sent.status, 200);
    assert_eq!(bodies(&app).await, ["compressed"]);

    // 50 MB of zeros, about 50 kB compressed: under the limit on the wire, not after.
    let bomb = gzip(&vec![0u8; 50 * 1024 * 1024]);
    assert!(bomb.len() < 65536);
    let sent = post(&app, "/v1/logs", Some(&key), &headers, bomb.clone()).await;
    assert_eq!(sent.status, 413);
    assert!(status_of(&sent).message.contains("larger than 65536 bytes"));
    let ndjson_headers = [("content-type", "application/x-ndjson"), ("content-encoding", "gzip")];
    let sent = post(&app, "/api/v1/logs", Some(&key), &ndjson_headers, bomb).await;
    assert_eq!(sent.status, 413);

    let large = export(
        (0..2000)
            .map(|i| record(&format!("line {i} {}", "x".repeat(40))))
            .collect(),
    );
    let sent = otlp(&app, &key, &large).await;
    assert_eq!(sent.status, 413);
    assert_eq!(status_of(&sent).code, 8);
    assert_eq!(bodies(&app).await.len(), 1, "nothing more stored");
}

#[tokio::test]
async fn bad_records_are_refused_by_partial_success_and_the_rest_stored() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let mut old = record("too old");
    old.time_unix_nano = nanos(Utc::now() - Duration::days(30));
    let mut ahead = record("from the future");
    ahead.time_unix_nano = nanos(Utc::now() + Duration::days(365));
    let mut crowded = record("crowded");
    crowded.attributes = (0..10_000).map(|i| kv(&format!("attr{i}"), "v")).collect();
    let mut huge = record("");
    huge.body = text(&"x".repeat(100_000));
    let sent = otlp(&app, &key, &export(vec![record("kept"), old, ahead, crowded, huge])).await;
    assert_eq!(sent.status, 200);
    let answer = ExportLogsServiceResponse::decode(&sent.body[..]).expect("response");
    let partial = answer.partial_success.expect("a partial success");
    assert_eq!(partial.rejected_log_records, 4);
    for named in [
        "logRecords[1].timeUnixNano is older than the 7-day log retention",
        "logRecords[2].timeUnixNano is more than 10 minutes in the future",
        "logRecords[3].attributes has 10002 attributes",
        "logRecords[4].body is 100000 bytes",
    ] {
        assert!(
            partial.error_message.contains(named),
            "{named}: {}",
            partial.error_message
        );
    }
    assert_eq!(bodies(&app).await, ["kept"]);
}

#[tokio::test]
async fn bad_otlp_bodies_get_a_status_and_store_nothing() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let sent = post(
        &app,
        "/v1/logs",
        Some(&key),
        &[("content-type", PROTOBUF)],
        vec![0xff, 0xff, 0xff],
    )
    .await;
    assert_eq!(sent.status, 400);
    let status = status_of(&sent);
    assert_eq!(status.code, 3);
    assert!(status.message.contains("not a valid protobuf"), "{}", status.message);

    // A string field holding invalid UTF-8 (field 1 of the request → … → body).
    let mut bad = record("PLACEHOLDER").encode_to_vec();
    let at = bad.windows(11).position(|w| w == b"PLACEHOLDER").expect("body bytes");
    bad[at] = 0xff;
    let invalid = ExportLogsServiceRequest::default().encode_to_vec();
    let mut request = invalid;
    let scope = [vec![0x12], varint(bad.len()), bad].concat();
    let resource = [vec![0x12], varint(scope.len()), scope].concat();
    request.extend([vec![0x0a], varint(resource.len()), resource].concat());
    let sent = post(&app, "/v1/logs", Some(&key), &[("content-type", PROTOBUF)], request).await;
    assert_eq!(sent.status, 400, "invalid UTF-8 is refused");

    for body in [r#"{"hello": "world"}"#, "[1, 2, 3]", "{not json"] {
        let sent = post(
            &app,
            "/v1/logs",
            Some(&key),
            &[("content-type", "application/json")],
            body,
        )
        .await;
        assert_eq!(sent.status, 400, "{body}");
        let status: Value = serde_json::from_slice(&sent.body).expect("a JSON Status");
        assert_eq!(status["code"], 3, "{body}");
        assert!(status["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    for content_type in ["text/csv", "application/xml"] {
        let sent = post(&app, "/v1/logs", Some(&key), &[("content-type", content_type)], "x").await;
        assert_eq!(sent.status, 415, "{content_type}");
    }
    let sent = post(
        &app,
        "/v1/logs",
        Some(&key),
        &[("content-type", PROTOBUF), ("content-encoding", "br")],
        vec![],
    )
    .await;
    assert_eq!(sent.status, 415);
    assert!(bodies(&app).await.is_empty());
}

fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

#[tokio::test]
async fn keys_must_be_genuine_live_and_scoped_logs() {
    let app = TestApp::spawn().await;
    let body = export(vec![record("refused")]).encode_to_vec();
    let sent = post(&app, "/v1/logs", None, &[("content-type", PROTOBUF)], body.clone()).await;
    assert_eq!(sent.status, 401);
    assert_eq!(status_of(&sent).code, 16);

    let (revoked_id, revoked) = insert_key(&app, &["logs"]).await;
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1")
        .bind(revoked_id)
        .execute(&app.db)
        .await
        .expect("revoke");
    let sent = post(
        &app,
        "/v1/logs",
        Some(&revoked),
        &[("content-type", PROTOBUF)],
        body.clone(),
    )
    .await;
    assert_eq!(sent.status, 401);
    assert_eq!(status_of(&sent).message, "this API key has been revoked");

    let (_, metrics_only) = insert_key(&app, &["ingest"]).await;
    let response = app
        .client
        .post(format!("{}/v1/logs", app.address))
        .bearer_auth(&metrics_only)
        .header("content-type", "application/json")
        .body(r#"{"resourceLogs":[]}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(challenge.contains("scope=\"logs\""), "{challenge}");
    let (status, _) = ndjson(&app, &metrics_only, r#"{"service":"a","message":"m"}"#, &[]).await;
    assert_eq!(status, 403);
    let (status, _) = ndjson(&app, "odk_nope", r#"{"service":"a","message":"m"}"#, &[]).await;
    assert_eq!(status, 401);
    assert!(bodies(&app).await.is_empty());
}

#[tokio::test]
async fn ndjson_lines_are_stored_and_a_bad_line_refuses_the_body() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let ts = (Utc::now() - Duration::seconds(2)).to_rfc3339();
    let body = format!(
        "{}\n{}\n",
        json!({ "ts": ts, "service": "billing", "level": "error", "message": "card declined",
                "attributes": { "customer": { "tier": "gold" } }, "trace_id": "4BF92F3577B34DA6A3CE929D0E0E4736", "host": "b-1" }),
        json!({ "service": "billing", "message": "no level" })
    );
    let (status, answer) = ndjson(&app, &key, &body, &[]).await;
    assert_eq!((status, &answer), (202, &json!({ "accepted": 2, "duplicate": false })));
    let (severity, attributes, trace_id, host): (i16, Value, Option<String>, String) =
        sqlx::query_as("SELECT severity, attributes, trace_id, host FROM log_lines ORDER BY id LIMIT 1")
            .fetch_one(&app.db)
            .await
            .expect("line");
    assert_eq!(severity, 17);
    assert_eq!(attributes, json!({ "customer.tier": "gold" }));
    assert_eq!(trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    assert_eq!(host, "b-1");

    let bad = format!(
        "{}\n{}\n",
        json!({ "service": "a", "message": "fine" }),
        json!({ "service": "a", "message": 5 })
    );
    let (status, answer) = ndjson(&app, &key, &bad, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(
        (answer["line"].as_u64(), answer["field"].as_str()),
        (Some(2), Some("message"))
    );
    assert_eq!(answer["error"], "line 2: message must be a string");
    let far = json!({ "service": "a", "message": "m", "ts": "2099-01-01T00:00:00Z" }).to_string();
    let (status, answer) = ndjson(&app, &key, &far, &[]).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("ts")));
    let mut invalid = br#"{"service":"a","message":""#.to_vec();
    invalid.extend([0xc3, 0x28]);
    invalid.extend(br#""}"#);
    let sent = post(
        &app,
        "/api/v1/logs",
        Some(&key),
        &[("content-type", "application/x-ndjson")],
        invalid,
    )
    .await;
    assert_eq!(sent.status, 400);
    assert!(String::from_utf8_lossy(&sent.body).contains("not valid UTF-8"));
    let sent = post(
        &app,
        "/api/v1/logs",
        Some(&key),
        &[("content-type", "application/json")],
        "{}",
    )
    .await;
    assert_eq!(sent.status, 415);
    assert_eq!(bodies(&app).await.len(), 2, "nothing of a refused body is stored");
}

#[tokio::test]
async fn a_retried_batch_is_stored_once_on_both_doors() {
    let app = TestApp::spawn().await;
    let key = logs_key(&app).await;
    let retry = Uuid::new_v4().to_string();
    let line = json!({ "service": "a", "message": "once" }).to_string();
    for duplicate in [false, true] {
        let (status, answer) = ndjson(&app, &key, &line, &[("idempotency-key", &retry)]).await;
        assert_eq!(
            (status, &answer),
            (202, &json!({ "accepted": 1, "duplicate": duplicate }))
        );
    }
    let body = export(vec![record("otlp once")]).encode_to_vec();
    let otlp_retry = Uuid::new_v4().to_string();
    for _ in 0..2 {
        let headers = [("content-type", PROTOBUF), ("idempotency-key", otlp_retry.as_str())];
        let sent = post(&app, "/v1/logs", Some(&key), &headers, body.clone()).await;
        assert_eq!(sent.status, 200);
    }
    assert_eq!(bodies(&app).await, ["once", "otlp once"]);
    let (status, _) = ndjson(&app, &key, &line, &[("idempotency-key", "has space")]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn past_the_rate_limit_both_doors_answer_429_with_retry_after() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_INGEST_RATE_PER_MIN", "2")
        .spawn()
        .await;
    let key = logs_key(&app).await;
    assert_eq!(otlp(&app, &key, &export(vec![record("1")])).await.status, 200);
    assert_eq!(ndjson(&app, &key, r#"{"service":"a","message":"2"}"#, &[]).await.0, 202);
    let sent = otlp(&app, &key, &export(vec![record("3")])).await;
    assert_eq!(sent.status, 429);
    assert!(
        sent.retry_after
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s))
    );
    assert_eq!(status_of(&sent).code, 8);
    let sent = post(
        &app,
        "/api/v1/logs",
        Some(&key),
        &[("content-type", "application/x-ndjson")],
        "{}",
    )
    .await;
    assert_eq!(sent.status, 429);
    assert!(sent.retry_after.is_some());
    assert_eq!(bodies(&app).await.len(), 2);
}

#[tokio::test]
async fn opsdecks_own_events_arrive_as_service_opsdeck() {
    // Installs the process's subscriber (stderr quiet); each test runs in its own process.
    opsdeck::telemetry::init("error", opsdeck::config::LogFormat::Text).expect("telemetry");
    let app = TestApp::configure().await.set("OPSDECK_OWN_LOGS", "on").spawn().await;
    let marker = format!("own-log-marker-{}", Uuid::new_v4().simple());
    tracing::info!(target: "opsdeck::tests", attempt = 3, "{marker} arrived");
    tracing::debug!(target: "opsdeck::tests", "{marker} debug is not stored");
    let mut found: Option<(String, String, i16, Value)> = None;
    for _ in 0..100 {
        found = sqlx::query_as("SELECT service, host, severity, attributes FROM log_lines WHERE body = $1")
            .bind(format!("{marker} arrived"))
            .fetch_optional(&app.db)
            .await
            .expect("query");
        if found.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (service, host, severity, attributes) = found.expect("the event is stored within 10 s");
    assert_eq!((service.as_str(), severity), ("opsdeck", 9));
    assert_eq!(host, opsdeck::workers::own_logs::host_name());
    assert_eq!(attributes, json!({ "attempt": 3, "target": "opsdeck::tests" }));
    // The start-up line of the app itself, stored the same way.
    let listening: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM log_lines WHERE service = 'opsdeck' AND body LIKE 'Opsdeck is listening on%'",
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert!(listening >= 1);
    let debug: i64 = sqlx::query_scalar("SELECT count(*) FROM log_lines WHERE body LIKE '%debug is not stored'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(debug, 0);
    let (_, metrics) = app.get_page("/metrics").await;
    assert!(metrics.contains("opsdeck_own_logs_dropped_total "), "{metrics}");
    assert!(metrics.contains("opsdeck_log_lines_accepted_total "), "{metrics}");
}

#[tokio::test]
async fn retention_drops_whole_log_partitions_and_prepares_new_ones() {
    let app = TestApp::spawn().await;
    // The app's own retention worker runs a round at start and then gives
    // the lock up: lead before the old partition exists, so that round can
    // neither hold the lock nor drop the partition first.
    let mut leader = None;
    for _ in 0..200 {
        leader = opsdeck::workers::retention::try_lead(&app.db)
            .await
            .expect("lock query");
        if leader.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut leader = leader.expect("the test leads once the app's first round is over");
    let today = Utc::now().date_naive();
    let old_day = today - Duration::days(10);
    sqlx::query("SELECT logs_ensure_partitions($1::date[])")
        .bind(vec![old_day])
        .execute(&app.db)
        .await
        .expect("old partition");
    sqlx::query("INSERT INTO log_lines (ts, observed_ts, service, severity, body) VALUES ($1, $1, 'a', 9, 'old line')")
        .bind(old_day.and_hms_opt(12, 0, 0).expect("noon").and_utc())
        .execute(&app.db)
        .await
        .expect("old line");
    let key = logs_key(&app).await;
    assert_eq!(
        ndjson(&app, &key, r#"{"service":"a","message":"new line"}"#, &[])
            .await
            .0,
        202
    );

    let settings = opsdeck::config::RetentionSettings {
        raw_days: 7,
        rollup_days: 90,
        log_days: 7,
        error_days: 30,
        span_days: 3,
    };
    let dropped = opsdeck::workers::retention::maintain(&mut leader, settings, today)
        .await
        .expect("maintenance");
    let old_partition = format!("log_lines_p{}", old_day.format("%Y%m%d"));
    assert!(dropped.contains(&old_partition), "{dropped:?}");
    assert_eq!(bodies(&app).await, ["new line"]);
    let minutes: Vec<i64> = sqlx::query_scalar("SELECT lines FROM log_minutes WHERE service = 'a' ORDER BY minute")
        .fetch_all(&app.db)
        .await
        .expect("minutes");
    assert_eq!(
        minutes,
        [1],
        "the old day's count went with its partition; the new line's stays"
    );
    let ahead = format!("log_lines_p{}", (today + Duration::days(3)).format("%Y%m%d"));
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(&ahead)
        .fetch_one(&app.db)
        .await
        .expect("regclass");
    assert_eq!(exists.as_deref(), Some(ahead.as_str()));
}
