//! `POST /api/v1/ingest`: acknowledged means stored, retries are idempotent,
//! and every refusal has its status and says where the problem is.

use app::api_keys::ssr::secret::generate;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Inserts a key with `scopes` and returns its text.
pub async fn insert_key(app: &TestApp, scopes: &[&str]) -> (i64, String) {
    let key = generate();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ('test', $1, $2, $3) RETURNING id",
    )
    .bind(&key.prefix)
    .bind(key.hash.as_slice())
    .bind(scopes)
    .fetch_one(&app.db)
    .await
    .expect("insert api key");
    (id, key.full)
}

async fn send(
    app: &TestApp,
    key: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    idempotency: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/api/v1/ingest", app.address))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(idempotency) = idempotency {
        request = request.header("Idempotency-Key", idempotency);
    }
    request.send().await.expect("request sent")
}

pub(crate) async fn post_json(app: &TestApp, key: &str, body: &Value, idempotency: Option<&str>) -> (u16, Value) {
    let response = send(app, Some(key), "application/json", body.to_string(), idempotency).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ts() -> String {
    (Utc::now() - Duration::minutes(1)).to_rfc3339()
}

pub fn request(i: usize) -> Value {
    json!({ "service": "checkout", "endpoint": "/pay", "method": "POST", "status": 200 + (i % 3) as i64 * 100, "duration_ms": 10.0 + i as f64, "ts": ts() })
}

fn sample(i: usize) -> Value {
    json!({ "service": "checkout", "name": "queue_depth", "value": i, "labels": { "queue": "mail" }, "kind": "gauge", "ts": ts() })
}

pub fn batch(requests: usize, samples: usize) -> Value {
    json!({ "requests": (0..requests).map(request).collect::<Vec<_>>(), "samples": (0..samples).map(sample).collect::<Vec<_>>() })
}

async fn stored(app: &TestApp) -> (i64, i64) {
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&app.db)
        .await
        .expect("count");
    let samples: i64 = sqlx::query_scalar("SELECT count(*) FROM metric_samples")
        .fetch_one(&app.db)
        .await
        .expect("count");
    (requests, samples)
}

#[tokio::test]
async fn a_json_batch_is_stored_and_acknowledged() {
    let app = TestApp::spawn().await;
    let (id, key) = insert_key(&app, &["ingest"]).await;
    let (status, body) = post_json(&app, &key, &batch(3, 2), None).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, json!({ "accepted": 5, "duplicate": false }));
    assert_eq!(stored(&app).await, (3, 2));
    let last_used: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert!(last_used.is_some(), "last use recorded");
    assert!(app.audit_entries("access.denied").await.is_empty());
}

#[tokio::test]
async fn an_ndjson_batch_is_stored() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let mut first = request(0);
    first["type"] = json!("request");
    let mut second = sample(0);
    second["type"] = json!("sample");
    let body = format!("{first}\n\n{second}\n");
    let response = send(&app, Some(&key), "application/x-ndjson", body, None).await;
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(stored(&app).await, (1, 1));
}

#[tokio::test]
async fn bad_records_refuse_the_whole_batch_naming_record_and_field() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let with = |i: usize, field: &str, value: Value| {
        let mut bad = request(i);
        bad[field] = value;
        json!({ "requests": [request(0), bad] })
    };
    let cases = [
        (with(1, "duration_ms", json!(-3)), "duration_ms"),
        (with(1, "status", json!("ok")), "status"),
        (with(1, "service", json!("")), "service"),
        (with(1, "endpoint", json!("e".repeat(201))), "endpoint"),
        (
            with(1, "ts", json!((Utc::now() - Duration::days(8)).to_rfc3339())),
            "ts",
        ),
        (
            with(1, "ts", json!((Utc::now() + Duration::hours(1)).to_rfc3339())),
            "ts",
        ),
        (with(1, "extra", json!(true)), "extra"),
    ];
    for (body, field) in cases {
        let (status, answer) = post_json(&app, &key, &body, None).await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert_eq!(
            (
                answer["record"].as_u64(),
                answer["field"].as_str(),
                answer["list"].as_str()
            ),
            (Some(1), Some(field), Some("requests")),
            "{answer}"
        );
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let mut labels = sample(0);
    labels["labels"] = Value::Object((0..21).map(|i| (format!("k{i}"), json!("v"))).collect());
    let (status, answer) = post_json(&app, &key, &json!({ "samples": [labels] }), None).await;
    assert_eq!(
        (status, answer["record"].as_u64(), answer["field"].as_str()),
        (400, Some(0), Some("labels")),
        "{answer}"
    );

    // Not representable as an f64: refused while parsing, still located.
    let text = r#"{"samples": [{"service": "a", "name": "b", "kind": "gauge", "value": 1e999}]}"#;
    let response = send(&app, Some(&key), "application/json", text, None).await;
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        (answer["record"].as_u64(), answer["field"].as_str()),
        (Some(0), Some("value")),
        "{answer}"
    );

    let mut invalid = br#"{"requests": [{"service": "caf"#.to_vec();
    invalid.extend_from_slice(&[0xff, b'"', b'}', b']', b'}']);
    let response = send(&app, Some(&key), "application/json", invalid, None).await;
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().await.expect("JSON");
    assert!(
        answer["error"].as_str().is_some_and(|e| e.contains("UTF-8")),
        "{answer}"
    );

    let mut ok = request(0);
    ok["type"] = json!("request");
    let lines = format!("{ok}\n{{\"type\": \"request\", \"service\": 5}}\n");
    let response = send(&app, Some(&key), "application/x-ndjson", lines, None).await;
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(
        (answer["record"].as_u64(), answer["field"].as_str()),
        (Some(2), Some("service")),
        "the line: {answer}"
    );

    let response = send(&app, Some(&key), "application/json", "{\"requests\": [", None).await;
    assert_eq!(response.status().as_u16(), 400);

    assert_eq!(stored(&app).await, (0, 0), "nothing of a refused batch is stored");
}

#[tokio::test]
async fn missing_unknown_revoked_and_expired_keys_are_401_and_a_wrong_scope_403() {
    let app = TestApp::spawn().await;
    let body = batch(1, 0);
    let response = send(&app, None, "application/json", body.to_string(), None).await;
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().get("www-authenticate").is_some());

    let (_, good) = insert_key(&app, &["ingest"]).await;
    let forged = format!("{}x", &good[..good.len() - 1]);
    let forged = if forged == good {
        format!("{}y", &good[..good.len() - 1])
    } else {
        forged
    };
    let unknown = generate().full;
    for key in [forged.as_str(), unknown.as_str(), "not-a-key"] {
        let (status, answer) = post_json(&app, key, &body, None).await;
        assert_eq!(status, 401, "{key}: {answer}");
        assert_eq!(answer["error"], "unknown API key");
    }

    let (revoked_id, revoked) = insert_key(&app, &["ingest"]).await;
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1")
        .bind(revoked_id)
        .execute(&app.db)
        .await
        .expect("revoke");
    let (status, answer) = post_json(&app, &revoked, &body, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("this API key has been revoked"))
    );

    let (expired_id, expired) = insert_key(&app, &["ingest"]).await;
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(expired_id)
        .execute(&app.db)
        .await
        .expect("expire");
    let (status, answer) = post_json(&app, &expired, &body, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("this API key has expired"))
    );

    let (_, deployments_only) = insert_key(&app, &["deployments:write"]).await;
    let (status, _) = post_json(&app, &deployments_only, &body, None).await;
    assert_eq!(status, 403);

    assert_eq!(stored(&app).await, (0, 0));
    // Each distinct refusal is audited at once; the three unknown keys are
    // one (the second and third are counted into its window).
    let denied = app.audit_entries("access.denied").await;
    assert_eq!(denied.len(), 5, "each distinct refusal is audited: {denied:?}");
    assert!(
        denied
            .iter()
            .all(|(outcome, _, target)| outcome == "denied" && target.as_deref() == Some("/api/v1/ingest"))
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_and_other_content_types_415() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_INGEST_MAX_BYTES", "2048")
        .spawn()
        .await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (status, answer) = post_json(&app, &key, &batch(40, 0), None).await;
    assert_eq!(status, 413, "{answer}");
    let (status, _) = post_json(&app, &key, &batch(2, 0), None).await;
    assert_eq!(status, 202, "a small batch still passes");
    for content_type in ["application/xml", "application/x-www-form-urlencoded"] {
        let response = send(&app, Some(&key), content_type, batch(1, 0).to_string(), None).await;
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
    }
}

#[tokio::test]
async fn past_the_rate_limit_a_key_gets_429_with_retry_after() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_INGEST_RATE_PER_MIN", "2")
        .spawn()
        .await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (_, other) = insert_key(&app, &["ingest"]).await;
    for _ in 0..2 {
        assert_eq!(post_json(&app, &key, &batch(1, 0), None).await.0, 202);
    }
    let response = send(&app, Some(&key), "application/json", batch(1, 0).to_string(), None).await;
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        post_json(&app, &other, &batch(1, 0), None).await.0,
        202,
        "the limit is per key"
    );
    assert_eq!(stored(&app).await, (3, 0));
}

#[tokio::test]
async fn a_retried_batch_is_acknowledged_but_stored_once() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let body = batch(4, 1);
    assert_eq!(
        post_json(&app, &key, &body, Some("batch-1")).await,
        (202, json!({ "accepted": 5, "duplicate": false }))
    );
    assert_eq!(
        post_json(&app, &key, &body, Some("batch-1")).await,
        (202, json!({ "accepted": 5, "duplicate": true }))
    );
    assert_eq!(stored(&app).await, (4, 1));
    // The same idempotency key from another API key is another batch.
    let (_, other) = insert_key(&app, &["ingest"]).await;
    assert_eq!(post_json(&app, &other, &body, Some("batch-1")).await.0, 202);
    assert_eq!(stored(&app).await, (8, 2));
    let response = send(
        &app,
        Some(&key),
        "application/json",
        body.to_string(),
        Some("has spaces"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn concurrent_retries_of_one_batch_store_it_once() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let body = batch(20, 0);
    let answers = futures::future::join_all((0..6).map(|_| post_json(&app, &key, &body, Some("same")))).await;
    assert!(answers.iter().all(|(status, _)| *status == 202), "{answers:?}");
    assert_eq!(
        answers.iter().filter(|(_, body)| body["duplicate"] == false).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(stored(&app).await, (20, 0));
}

#[tokio::test]
async fn acknowledged_means_stored() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    const BATCHES: usize = 12;
    const SIZE: usize = 50;
    let answers = futures::future::join_all((0..BATCHES).map(|i| {
        let body = batch(SIZE - 10, 10);
        let key = key.clone();
        let app = &app;
        async move { post_json(app, &key, &body, Some(&format!("b{i}"))).await }
    }))
    .await;
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 202 && body["accepted"] == SIZE),
        "{answers:?}"
    );
    let (requests, samples) = stored(&app).await;
    assert_eq!(requests + samples, i64::try_from(BATCHES * SIZE).unwrap_or(-1));
}

#[tokio::test]
async fn the_openapi_document_describes_the_ingest_api() {
    let app = TestApp::spawn().await;
    let (status, document) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    let post = &document["paths"]["/api/v1/ingest"]["post"];
    for code in ["202", "400", "401", "403", "413", "415", "429"] {
        assert!(
            post["responses"][code]["description"].is_string(),
            "response {code} described"
        );
    }
    assert!(post["requestBody"]["content"]["application/json"].is_object());
    assert!(post["requestBody"]["content"]["application/x-ndjson"].is_object());
    let validation = &document["components"]["schemas"]["ValidationError"]["properties"];
    assert!(validation["record"].is_object() && validation["field"].is_object());
}
