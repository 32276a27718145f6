//! Error events in Opsdeck's own JSON: `POST /api/v1/errors` with a bearer
//! key of the `errors` scope. The same prepared events and store as the
//! Sentry doors; answered with the event ids only after the commit;
//! refusals name the record and field and store nothing.

use std::io::Write;

use serde_json::{Value, json};

use crate::errors_ingest::{dsn_key, envelope, event_item, exception_event};
use crate::helpers::TestApp;

async fn send(
    app: &TestApp,
    key: Option<&str>,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = app.client.post(format!("{}/api/v1/errors", app.address)).body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let mut typed = false;
    for (name, value) in headers {
        typed |= name.eq_ignore_ascii_case("content-type");
        request = request.header(*name, *value);
    }
    if !typed {
        request = request.header("Content-Type", "application/json");
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM error_events")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

fn record(function: &str, value: &str) -> Value {
    json!({
        "level": "error",
        "release": "shop@1.0.0",
        "environment": "production",
        "user": { "id": "u7" },
        "tags": { "region": "eu" },
        "exception": { "type": "TypeError", "value": value, "frames": [
            { "filename": "node:internal/process", "function": "processTicks", "lineno": 1, "in_app": false },
            { "filename": "/srv/shop/cart.js", "module": "cart", "function": function, "lineno": 9, "in_app": true }
        ] }
    })
}

#[tokio::test]
async fn events_are_stored_through_the_envelope_path_and_answered_after_commit() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    // An SDK's event first: the JSON door's events with the same in-app frames join its issue.
    let sdk = envelope(&[event_item(&exception_event("add", 3, "x is undefined", "u1"))]);
    let response = crate::errors_ingest::post(&app, &format!("/api/{project}/envelope/"), Some(&key), sdk, None).await;
    assert_eq!(response.status(), 200);

    let one = record("add", "y is undefined");
    let (status, answer, _) = send(&app, Some(&key), one.to_string().into_bytes(), &[]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["duplicate"], false);
    let id = answer["ids"][0].as_str().expect("an id").to_string();
    assert_eq!(id.len(), 32);

    let batch = json!({ "events": [
        record("add", "z is undefined"),
        { "message": "payment 42 failed", "level": "warning", "fingerprint": ["payments"],
          "event_id": "0123456789abcdef0123456789abcdef", "timestamp": chrono::Utc::now().to_rfc3339() }
    ] });
    let (status, answer, _) = send(&app, Some(&key), batch.to_string().into_bytes(), &[]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ids"][1], "0123456789abcdef0123456789abcdef");
    assert_eq!(events(&app).await, 4);

    let (issues, shared): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT issue_id), max(event_count) FROM error_events JOIN error_issues i ON i.id = issue_id",
    )
    .fetch_one(&app.db)
    .await
    .expect("issues");
    assert_eq!(
        (issues, shared),
        (2, 3),
        "the frames group the SDK's and the JSON door's events"
    );
    let stored: (String, String, Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT service, level, release, user_id, event->'tags'->>'region' FROM error_events WHERE event_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .expect("stored");
    assert_eq!(
        stored,
        (
            "shop".into(),
            "error".into(),
            Some("shop@1.0.0".into()),
            Some("u7".into()),
            "eu".into()
        )
    );
    let issue: i64 = sqlx::query_scalar("SELECT issue_id FROM error_events WHERE event_id = $1")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .expect("issue");
    let (_, answer, _) = send(&app, Some(&key), record("add", "w").to_string().into_bytes(), &[]).await;
    assert_eq!(answer["issues"][0].as_i64(), Some(issue), "the answer names the issue");
}

#[tokio::test]
async fn refusals_name_the_record_and_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let (_, key) = dsn_key(&app, "shop").await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let bad_level = json!({ "events": [record("add", "x"), { "message": "m", "level": "loud" }] });
    let bad_frame = json!({ "exception": { "type": "E", "frames": [{ "lineno": -1 }] } });
    let cases: Vec<(Vec<u8>, Value, Value, &str)> = vec![
        (
            bad_level.to_string().into_bytes(),
            json!(2),
            json!("level"),
            "event 2, field level",
        ),
        (
            bad_frame.to_string().into_bytes(),
            json!(1),
            json!("exception.frames[0]"),
            "lineno must be a whole number",
        ),
        (
            json!({ "level": "error" }).to_string().into_bytes(),
            json!(1),
            json!("message"),
            "is required",
        ),
        (
            b"{\"message\": \"\xff\"}".to_vec(),
            Value::Null,
            Value::Null,
            "not valid JSON",
        ),
        (deep, Value::Null, Value::Null, "not valid JSON"),
        (b"[]".to_vec(), Value::Null, Value::Null, "an event object"),
    ];
    for (body, event, field, message) in cases {
        let (status, answer, _) = send(&app, Some(&key), body, &[]).await;
        assert_eq!(status, 400, "{message}: {answer}");
        assert_eq!((&answer["event"], &answer["field"]), (&event, &field), "{answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(message),
            "{answer}"
        );
    }
    let (status, _, _) = send(&app, Some(&key), b"{}".to_vec(), &[("Content-Type", "application/xml")]).await;
    assert_eq!(status, 415);
    let (status, _, _) = send(&app, Some(&key), b"{}".to_vec(), &[("Content-Encoding", "zstd")]).await;
    assert_eq!(status, 415);
    assert_eq!(events(&app).await, 0, "refused: nothing stored");
}

fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
    writer.write_all(plain).expect("gzip");
    writer.finish().expect("gzip");
    out
}

#[tokio::test]
async fn limits_are_413_and_keys_are_checked() {
    let app = TestApp::spawn().await;
    let (_, key) = dsn_key(&app, "shop").await;
    let (status, answer, _) = send(
        &app,
        Some(&key),
        gzip(&record("add", "x").to_string().into_bytes()),
        &[("Content-Encoding", "gzip")],
    )
    .await;
    assert_eq!(status, 200, "gzip is read: {answer}");

    let huge_message = json!({ "message": "m".repeat(5 * 1024 * 1024) });
    let frames: Vec<Value> = (0..100_000)
        .map(|n| json!({ "function": format!("f{n}"), "filename": "deep.js", "lineno": n }))
        .collect();
    let many_frames = json!({ "exception": { "type": "RangeError", "frames": frames } });
    let too_many = json!({ "events": vec![json!({ "message": "m" }); 1001] });
    let bomb = gzip(&vec![b' '; 64 * 1024 * 1024]);
    for (body, encoding, expected) in [
        (
            huge_message.to_string().into_bytes(),
            None,
            "event 1 is larger than 1048576 bytes",
        ),
        (
            many_frames.to_string().into_bytes(),
            None,
            "event 1 is larger than 1048576 bytes",
        ),
        (too_many.to_string().into_bytes(), None, "1001 events in one request"),
        (bomb, Some("gzip"), "larger than 20971520 bytes"),
    ] {
        let headers: Vec<(&str, &str)> = encoding.map(|e| ("Content-Encoding", e)).into_iter().collect();
        let (status, answer, _) = send(&app, Some(&key), body, &headers).await;
        assert_eq!(status, 413, "{expected}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(expected),
            "{answer}"
        );
    }

    let body = || record("add", "x").to_string().into_bytes();
    let (status, _, headers) = send(&app, None, body(), &[]).await;
    assert_eq!(status, 401);
    assert!(headers.contains_key("www-authenticate"));
    let (_, logs_key) = crate::ingest::insert_key(&app, &["logs"]).await;
    assert_eq!(send(&app, Some(&logs_key), body(), &[]).await.0, 403);
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE scopes = ARRAY['errors']")
        .execute(&app.db)
        .await
        .expect("revoked");
    assert_eq!(send(&app, Some(&key), body(), &[]).await.0, 401, "revoked at once");
    assert_eq!(events(&app).await, 1, "only the gzip event");
}

#[tokio::test]
async fn a_retried_batch_answers_the_same_ids_and_stores_nothing_twice() {
    let app = TestApp::spawn().await;
    let (_, key) = dsn_key(&app, "shop").await;
    let body = json!({ "events": [record("add", "x"), { "message": "m" }] }).to_string();
    let idempotent = [("Idempotency-Key", "deploy-812-errors")];
    let (status, first, _) = send(&app, Some(&key), body.clone().into_bytes(), &idempotent).await;
    assert_eq!((status, &first["duplicate"]), (200, &json!(false)), "{first}");
    let (status, again, _) = send(&app, Some(&key), body.into_bytes(), &idempotent).await;
    assert_eq!((status, &again["duplicate"]), (200, &json!(true)), "{again}");
    assert_eq!(first["ids"], again["ids"]);
    assert_eq!(events(&app).await, 2);
    let (status, _, _) = send(
        &app,
        Some(&key),
        b"{\"message\":\"m\"}".to_vec(),
        &[("Idempotency-Key", "has space")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(events(&app).await, 2);
}

#[tokio::test]
async fn past_the_rate_a_key_gets_429_with_retry_after() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_INGEST_RATE_PER_MIN", "2")
        .spawn()
        .await;
    let (_, key) = dsn_key(&app, "shop").await;
    let body = || record("add", "x").to_string().into_bytes();
    for _ in 0..2 {
        assert_eq!(send(&app, Some(&key), body(), &[]).await.0, 200);
    }
    let (status, _, headers) = send(&app, Some(&key), body(), &[]).await;
    assert_eq!(status, 429);
    let retry_after: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after));
    assert_eq!(events(&app).await, 2);
}
