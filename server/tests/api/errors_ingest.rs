//! Error events in from Sentry SDKs: `POST /api/<project>/envelope/` and
//! the legacy `POST /api/<project>/store/`; DSN keys from the API keys
//! page; compression, limits, malformed bodies, scrubbing, grouping and
//! its persistence. Acknowledged means committed; refused means nothing
//! stored.

use std::io::Write;

use app::api_keys::ssr::secret::generate;
use app::auth::permissions::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A key with the `errors` scope for `service`'s project: (project id, key).
pub async fn dsn_key(app: &TestApp, service: &str) -> (i32, String) {
    let project: i32 = sqlx::query_scalar(
        "INSERT INTO error_projects (service) VALUES ($1) \
         ON CONFLICT (service) DO UPDATE SET service = EXCLUDED.service RETURNING id",
    )
    .bind(service)
    .fetch_one(&app.db)
    .await
    .expect("project");
    let key = generate();
    sqlx::query(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes, error_project_id) \
         VALUES ('sdk', $1, $2, ARRAY['errors'], $3)",
    )
    .bind(&key.prefix)
    .bind(key.hash.as_slice())
    .bind(project)
    .execute(&app.db)
    .await
    .expect("insert key");
    (project, key.full)
}

/// An envelope holding `items` (type, payload), each with its length.
pub fn envelope(items: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut body = b"{\"sent_at\":\"2026-12-07T10:00:00Z\"}\n".to_vec();
    for (kind, payload) in items {
        body.extend_from_slice(json!({ "type": kind, "length": payload.len() }).to_string().as_bytes());
        body.push(b'\n');
        body.extend_from_slice(payload);
        body.push(b'\n');
    }
    body
}

pub fn event_item(event: &Value) -> (&'static str, Vec<u8>) {
    ("event", event.to_string().into_bytes())
}

/// An exception event as SDKs send it.
pub fn exception_event(function: &str, line: u32, value: &str, user: &str) -> Value {
    json!({
        "event_id": uuid::Uuid::new_v4().simple().to_string(),
        "timestamp": chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
        "platform": "node",
        "level": "error",
        "release": "shop@1.0.0",
        "environment": "production",
        "user": { "id": user },
        "exception": { "values": [{
            "type": "TypeError",
            "value": value,
            "stacktrace": { "frames": [
                { "filename": "node:internal/process", "function": "processTicks", "lineno": 1, "in_app": false },
                { "filename": "/srv/shop/cart.js", "module": "cart", "function": function, "lineno": line, "in_app": true }
            ] }
        }] }
    })
}

/// Posts `body` to `path` with the key in `X-Sentry-Auth`.
pub async fn post(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    body: Vec<u8>,
    encoding: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(format!("{}{path}", app.address)).body(body);
    if let Some(key) = key {
        request = request.header(
            "X-Sentry-Auth",
            format!("Sentry sentry_key={key}, sentry_version=7, sentry_client=test/1.0"),
        );
    }
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    request.send().await.expect("sent")
}

/// Sends `events` for `service` in one envelope; checks it was stored (200).
pub async fn send_events(app: &TestApp, service: &str, events: &[Value]) {
    let (project, key) = dsn_key(app, service).await;
    let items: Vec<(&str, Vec<u8>)> = events.iter().map(event_item).collect();
    let response = post(
        app,
        &format!("/api/{project}/envelope/"),
        Some(&key),
        envelope(&items),
        None,
    )
    .await;
    let status = response.status();
    let body = response.text().await.expect("answer");
    assert_eq!(status, 200, "{body}");
    // Every event of a 200 is in `error_events` (a 200 follows the commit).
    for id in events.iter().filter_map(|event| event["event_id"].as_str()) {
        let id = id.replace('-', "").to_ascii_lowercase();
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM error_events WHERE event_id = $1")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .expect("count");
        if stored == 0 {
            let claims: i64 =
                sqlx::query_scalar("SELECT count(*) FROM ingest_batches WHERE idempotency_key = 'sentry-event:' || $1")
                    .bind(&id)
                    .fetch_one(&app.db)
                    .await
                    .expect("claims");
            let open: Vec<String> = sqlx::query_scalar(
                "SELECT state || ': ' || left(query, 120) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'",
            )
            .fetch_all(&app.db)
            .await
            .expect("activity");
            panic!("answered 200 ({body}) but event {id} is not stored; claims {claims}; sessions {open:?}");
        }
    }
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.expect("count")
}

#[tokio::test]
async fn an_admin_creates_a_dsn_key_for_a_service_and_revoking_it_works_at_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let create = |service: &'static str| {
        let admin = &admin;
        async move {
            let form = [("name", "shop sdk"), ("scope_errors", "true"), ("service", service)];
            answer(admin.post_fn("/api/api-keys/create", &form).await).await
        }
    };
    let (status, body) = create("  ").await;
    assert_eq!((status, body["Validation"]["field"].as_str()), (422, Some("service")));
    let (status, body) = create("shop").await;
    assert_eq!(status, 200, "{body}");
    let secret = body["secret"].as_str().expect("key").to_string();
    let project = body["key"]["error_project"]["id"].as_i64().expect("bound to a project");
    assert_eq!(body["key"]["error_project"]["service"], "shop");
    let dsn = body["dsn"].as_str().expect("a DSN").to_string();
    let host = app.address.trim_start_matches("http://");
    assert_eq!(dsn, format!("http://{secret}@{host}/{project}"));
    let after: Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'api_key.create'")
        .fetch_one(&app.db)
        .await
        .expect("audited");
    assert_eq!(after["error_project"]["service"], "shop");
    assert!(!after.to_string().contains(&secret), "the key is not in the audit log");

    // A second key of the service shares its project number.
    let (_, again) = create("shop").await;
    assert_eq!(again["key"]["error_project"]["id"].as_i64(), Some(project));

    let path = format!("/api/{project}/envelope/");
    let event = exception_event("add", 3, "x", "u1");
    let body = envelope(&[event_item(&event)]);
    let (status, answered) = answer(post(&app, &path, Some(&secret), body.clone(), None).await).await;
    assert_eq!((status, answered["id"].as_str()), (200, event["event_id"].as_str()));

    let id = body_id(&admin, &secret).await;
    let (status, _) = answer(admin.post_fn("/api/api-keys/revoke", &[("key_id", &id)]).await).await;
    assert_eq!(status, 200);
    let (status, refused) = answer(post(&app, &path, Some(&secret), body, None).await).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (401, Some("this API key has been revoked"))
    );
    assert_eq!(app.audit_entries("api_key.revoke").await.len(), 1);
}

/// The id of the key whose text is `secret`, from the list.
async fn body_id(admin: &crate::helpers::Browser, secret: &str) -> String {
    let (_, list) = answer(admin.post_fn("/api/api-keys/list", &[]).await).await;
    let prefix = secret.split('_').nth(1).unwrap_or_default();
    list.as_array()
        .and_then(|keys| keys.iter().find(|key| key["prefix"] == prefix))
        .and_then(|key| key["id"].as_i64())
        .expect("listed")
        .to_string()
}

#[tokio::test]
async fn the_key_is_taken_from_the_header_or_the_query_and_checked_against_the_project() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let (other_project, _) = dsn_key(&app, "billing").await;
    let (_, metrics_key) = crate::ingest::insert_key(&app, &["ingest"]).await;
    let body = || envelope(&[event_item(&exception_event("add", 3, "x", "u1"))]);
    let path = format!("/api/{project}/envelope/");

    assert_eq!(post(&app, &path, Some(&key), body(), None).await.status(), 200);
    let by_query = app
        .client
        .post(format!("{}{path}?sentry_version=7&sentry_key={key}", app.address))
        .body(body())
        .send()
        .await
        .expect("sent");
    assert_eq!(by_query.status(), 200);
    assert_eq!(count(&app, "SELECT count(*) FROM error_events").await, 2);

    let (status, refused) = answer(post(&app, &path, None, body(), None).await).await;
    assert_eq!(status, 401, "{refused}");
    let elsewhere = format!("/api/{other_project}/envelope/");
    assert_eq!(post(&app, &elsewhere, Some(&key), body(), None).await.status(), 403);
    assert_eq!(
        post(&app, "/api/nope/envelope/", Some(&key), body(), None)
            .await
            .status(),
        403
    );
    assert_eq!(post(&app, &path, Some(&metrics_key), body(), None).await.status(), 403);
    assert_eq!(
        count(&app, "SELECT count(*) FROM error_events").await,
        2,
        "refused: nothing stored"
    );
}

fn compressed(encoding: &str, plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => {
            let mut writer = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            writer.write_all(plain).expect("gzip");
            writer.finish().expect("gzip");
        }
        "deflate" => {
            let mut writer = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
            writer.write_all(plain).expect("deflate");
            writer.finish().expect("deflate");
        }
        _ => {
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            writer.write_all(plain).expect("br");
            drop(writer);
        }
    }
    out
}

#[tokio::test]
async fn compressed_bodies_are_read_and_a_bomb_or_a_big_event_is_413() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    for encoding in ["gzip", "deflate", "br"] {
        let body = envelope(&[event_item(&exception_event("add", 3, encoding, "u1"))]);
        let (status, answered) =
            answer(post(&app, &path, Some(&key), compressed(encoding, &body), Some(encoding)).await).await;
        assert_eq!(status, 200, "{encoding}: {answered}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM error_events").await, 3);

    // 64 MiB of zeros in about 64 KiB: refused at the 20 MiB bound.
    let bomb = compressed("gzip", &vec![0; 64 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    let (status, refused) = answer(post(&app, &path, Some(&key), bomb, Some("gzip")).await).await;
    assert_eq!(status, 413, "{refused}");

    let mut big = exception_event("add", 3, "x", "u1");
    big["message"] = Value::String("m".repeat(2 * 1024 * 1024));
    let (status, refused) = answer(post(&app, &path, Some(&key), envelope(&[event_item(&big)]), None).await).await;
    assert_eq!(status, 413);
    assert!(
        refused["error"]
            .as_str()
            .unwrap_or_default()
            .contains("event 1 is larger than 1048576 bytes")
    );

    let (status, _) = answer(post(&app, &path, Some(&key), b"{}".to_vec(), Some("zstd")).await).await;
    assert_eq!(status, 415);
    let (status, refused) = answer(post(&app, &path, Some(&key), b"not gzip".to_vec(), Some("gzip")).await).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM error_events").await,
        3,
        "refused: nothing stored"
    );
}

#[tokio::test]
async fn malformed_envelopes_are_400_naming_the_problem_and_other_items_are_dropped() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not json\n".to_vec(), "the envelope header is not valid JSON"),
        (b"{}\n{\"length\":2}\n{}\n".to_vec(), "item 1 has no type"),
        (
            b"{}\n{\"type\":\"event\",\"length\":500}\n{}\n".to_vec(),
            "runs past the end",
        ),
        (
            envelope(&[("event", b"{\"message\":".to_vec())]),
            "event 1: the event is not valid JSON",
        ),
        (
            envelope(&[("event", vec![b'"', 0xff, 0xfe, b'"'])]),
            "event 1: the event is not valid JSON",
        ),
        (envelope(&[("event", deep)]), "event 1: the event is not valid JSON"),
        (
            envelope(&[("event", b"[1, 2]".to_vec())]),
            "event 1: the event is not a JSON object",
        ),
    ];
    for (body, problem) in cases {
        let (status, refused) = answer(post(&app, &path, Some(&key), body, None).await).await;
        assert_eq!(status, 400, "{problem}: {refused}");
        let message = refused["error"].as_str().unwrap_or_default();
        assert!(message.contains(problem), "{message} should name {problem}");
    }
    let good = exception_event("add", 3, "x", "u1");
    let mixed = envelope(&[
        ("session", b"{\"sid\":\"s\",\"status\":\"ok\"}".to_vec()),
        event_item(&good),
        ("client_report", b"{\"discarded_events\":[]}".to_vec()),
        ("attachment", b"binary\n\x00data".to_vec()),
        ("transaction", b"{\"type\":\"transaction\"}".to_vec()),
    ]);
    let (status, answered) = answer(post(&app, &path, Some(&key), mixed, None).await).await;
    assert_eq!((status, answered["id"].as_str()), (200, good["event_id"].as_str()));
    let (status, _) = answer(post(&app, &path, Some(&key), envelope(&[("session", b"{}".to_vec())]), None).await).await;
    assert_eq!(status, 200, "no event: accepted, nothing stored");
    assert_eq!(count(&app, "SELECT count(*) FROM error_events").await, 1);
}

#[tokio::test]
async fn sensitive_values_are_scrubbed_before_storage() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_ERROR_SCRUB_KEYS", "ssn, internal_note")
        .spawn()
        .await;
    let (project, key) = dsn_key(&app, "shop").await;
    let mut event = exception_event("pay", 9, "card 4111 1111 1111 1111 declined", "u1");
    event["request"] = json!({
        "url": "https://shop.example.com/pay",
        "headers": { "Authorization": "Bearer sk-live-123", "Cookie": "sid=abc", "Accept": "text/html" },
        "data": { "password": "hunter2", "card": "5500005555555559", "ssn": "078-05-1120" }
    });
    event["extra"] = json!({ "api_key": "k-999", "internal_note": "vip", "order": 17 });
    let body = envelope(&[event_item(&event)]);
    assert_eq!(
        post(&app, &format!("/api/{project}/envelope/"), Some(&key), body, None)
            .await
            .status(),
        200
    );
    let (stored, message): (Value, String) = sqlx::query_as("SELECT event, message FROM error_events")
        .fetch_one(&app.db)
        .await
        .expect("stored");
    let text = stored.to_string();
    for secret in [
        "sk-live-123",
        "sid=abc",
        "hunter2",
        "5500005555555559",
        "4111 1111",
        "078-05-1120",
        "k-999",
        "vip",
    ] {
        assert!(!text.contains(secret), "{secret} was stored: {text}");
    }
    assert_eq!(stored["request"]["headers"]["Accept"], "text/html");
    assert_eq!(stored["extra"]["order"], 17);
    assert_eq!(message, "card [Filtered] declined");
}

#[tokio::test]
async fn events_group_by_their_components_and_a_moved_hash_keeps_its_new_issue() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let send = |event: Value| {
        let (app, key, path) = (&app, &key, &path);
        async move {
            post(app, path, Some(key), envelope(&[event_item(&event)]), None)
                .await
                .status()
        }
    };
    // Same in-app frame at other lines, other values and users: one issue.
    assert_eq!(send(exception_event("add", 3, "item 17 missing", "u1")).await, 200);
    assert_eq!(send(exception_event("add", 40, "item 99 missing", "u2")).await, 200);
    let retried = exception_event("add", 3, "item 1 missing", "u1");
    assert_eq!(send(retried.clone()).await, 200);
    assert_eq!(send(retried).await, 200, "a retry is acknowledged");
    assert_eq!(send(exception_event("remove", 3, "item 1 missing", "u1")).await, 200);

    let issues: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT id, event_count, user_count, title FROM error_issues ORDER BY id")
            .fetch_all(&app.db)
            .await
            .expect("issues");
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert_eq!(
        (issues[0].1, issues[0].2),
        (3, 2),
        "three events (the retry stored once), two users"
    );
    assert_eq!(issues[0].3, "TypeError: item 17 missing");
    assert_eq!((issues[1].1, issues[1].2), (1, 1));
    let minutes = count(&app, "SELECT sum(events)::bigint FROM error_issue_minutes").await;
    assert_eq!(minutes, 4, "per-minute counts written with the events");

    let hashes: Vec<(String, i64, i16, String, Value)> = sqlx::query_as(
        "SELECT hash, issue_id, grouping_version, basis, components FROM error_hashes ORDER BY issue_id",
    )
    .fetch_all(&app.db)
    .await
    .expect("hashes");
    assert_eq!(hashes[0].2, 1);
    assert_eq!(hashes[0].3, "in-app-frames");
    assert_eq!(hashes[0].4, json!(["cart.add"]));
    assert_eq!(hashes[1].4, json!(["cart.remove"]));

    // A merge moves the second hash to the first issue; later events follow it.
    sqlx::query("UPDATE error_hashes SET issue_id = $1 WHERE hash = $2")
        .bind(issues[0].0)
        .bind(&hashes[1].0)
        .execute(&app.db)
        .await
        .expect("merge");
    assert_eq!(send(exception_event("remove", 5, "item 2 missing", "u3")).await, 200);
    let issue_of_last: i64 = sqlx::query_scalar("SELECT issue_id FROM error_events ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("last");
    assert_eq!(issue_of_last, issues[0].0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM error_issues").await,
        2,
        "no new issue"
    );
}

#[tokio::test]
async fn the_legacy_store_endpoint_takes_one_event() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let event = json!({ "message": "payment 42 failed", "level": "warning" });
    let (status, answered) = answer(
        post(
            &app,
            &format!("/api/{project}/store/"),
            Some(&key),
            event.to_string().into_bytes(),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    let stored: (String, String, String) = sqlx::query_as("SELECT event_id, level, message FROM error_events")
        .fetch_one(&app.db)
        .await
        .expect("stored");
    assert_eq!(Some(stored.0.as_str()), answered["id"].as_str());
    assert_eq!((stored.1.as_str(), stored.2.as_str()), ("warning", "payment 42 failed"));
}

#[tokio::test]
async fn past_the_rate_a_key_gets_429_with_sentrys_headers() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_INGEST_RATE_PER_MIN", "2")
        .spawn()
        .await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let body = || envelope(&[event_item(&exception_event("add", 3, "x", "u1"))]);
    for _ in 0..2 {
        assert_eq!(post(&app, &path, Some(&key), body(), None).await.status(), 200);
    }
    let response = post(&app, &path, Some(&key), body(), None).await;
    assert_eq!(response.status(), 429);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let retry_after: u64 = header("retry-after").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after));
    assert_eq!(header("x-sentry-rate-limits"), format!("{retry_after}::key"));
    assert_eq!(count(&app, "SELECT count(*) FROM error_events").await, 2);
}

#[tokio::test]
async fn huge_events_are_413_and_an_envelope_is_stored_whole_or_not_at_all() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let good = || event_item(&exception_event("add", 3, "x", "u1"));

    let mut five_mb = exception_event("add", 3, "x", "u1");
    five_mb["message"] = Value::String("m".repeat(5 * 1024 * 1024));
    let mut deep_stack = exception_event("add", 3, "x", "u1");
    deep_stack["exception"]["values"][0]["stacktrace"]["frames"] = (0..100_000)
        .map(|n| json!({ "function": format!("recurse{n}"), "filename": "/srv/shop/tree.js", "lineno": n, "in_app": true }))
        .collect();
    for (name, huge) in [("a 5 MB message", five_mb), ("100,000 frames", deep_stack)] {
        let body = envelope(&[good(), event_item(&huge)]);
        let (status, refused) = answer(post(&app, &path, Some(&key), body, None).await).await;
        assert_eq!(status, 413, "{name}: {refused}");
        assert!(
            refused["error"]
                .as_str()
                .unwrap_or_default()
                .contains("event 2 is larger than"),
            "{name}: {refused}"
        );
    }
    let half_bad = envelope(&[good(), ("event", b"{\"message\": \"\xff\"}".to_vec())]);
    let (status, refused) = answer(post(&app, &path, Some(&key), half_bad, None).await).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM error_events").await,
        0,
        "the good event beside a refused one is not kept"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM error_issues").await, 0);
}
