//! Deployments: the API CI records them with (every refusal with its status
//! and, for bad input, the field), the page's server functions, the impact
//! computed from ingested traffic, and the markers on the Performance page.

use app::auth::endpoints::{Access, access_for};
use app::auth::permissions::{Permission, Role};
use app::metrics::RequestEvent;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, store_requests};
use crate::ingest::insert_key;

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request sent")
}

/// `POST /api/v1/deployments` with `key` (or none), as `content_type`.
async fn post_as(
    app: &TestApp,
    key: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    send(
        app,
        reqwest::Method::POST,
        "/api/v1/deployments",
        key,
        content_type,
        body,
    )
    .await
}

/// The status and JSON body of `response` (`null` when it is not JSON).
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    answer(post_as(app, Some(key), "application/json", body.to_string()).await).await
}

async fn patch(app: &TestApp, key: &str, id: &str, body: &Value) -> (u16, Value) {
    let path = format!("/api/v1/deployments/{id}");
    answer(
        send(
            app,
            reqwest::Method::PATCH,
            &path,
            Some(key),
            "application/json",
            body.to_string(),
        )
        .await,
    )
    .await
}

async fn stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM deployments")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

async fn call(browser: &Browser, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    answer(browser.post_fn(path, form).await).await
}

#[tokio::test]
async fn ci_records_a_started_deployment_and_finishes_it() {
    let app = TestApp::spawn().await;
    let (key_id, key) = insert_key(&app, &["deployments:write"]).await;
    let body = json!({
        "service": "checkout", "version": "v1.4.2", "environment": "staging", "commit": "9f2c1e7",
        "status": "started", "notes_url": "https://ci.example.com/runs/812"
    });
    let response = post_as(&app, Some(&key), "application/json", body.to_string()).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().expect("ascii").to_string();
    let created: Value = response.json().await.expect("JSON");
    let id = created["id"].as_i64().expect("an id");
    assert_eq!(location, format!("/api/v1/deployments/{id}"));
    assert_eq!(
        (
            &created["status"],
            &created["deployed_by"],
            &created["source"],
            &created["finished_at"],
            &created["commit"]
        ),
        (
            &json!("started"),
            &json!("test"),
            &json!("api"),
            &Value::Null,
            &json!("9f2c1e7")
        ),
        "{created}"
    );
    let recorded_by_key: Option<i64> = sqlx::query_scalar("SELECT recorded_by_key FROM deployments WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(recorded_by_key, Some(key_id));

    let (status, finished) = patch(&app, &key, &id.to_string(), &json!({ "status": "succeeded" })).await;
    assert_eq!(status, 200, "{finished}");
    assert_eq!(finished["status"], "succeeded");
    assert!(finished["finished_at"].is_string(), "{finished}");
    // A retry of the same finish is answered the same way and changes nothing.
    let (status, again) = patch(&app, &key, &id.to_string(), &json!({ "status": "succeeded" })).await;
    assert_eq!((status, &again["finished_at"]), (200, &finished["finished_at"]));
    let (status, conflict) = patch(&app, &key, &id.to_string(), &json!({ "status": "rolled_back" })).await;
    assert_eq!(status, 409, "a finished deployment keeps its status: {conflict}");
    assert_eq!(patch(&app, &key, "999999", &json!({ "status": "failed" })).await.0, 404);
    assert_eq!(
        patch(&app, &key, "not-an-id", &json!({ "status": "failed" })).await.0,
        404
    );
    let (status, answer) = patch(&app, &key, &id.to_string(), &json!({ "status": "started" })).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("status")), "{answer}");

    let recorded = app.audit_entries("deployment.record").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(
        recorded[0]
            .1
            .as_deref()
            .is_some_and(|actor| actor.starts_with("API key test")),
        "{recorded:?}"
    );
    assert_eq!(recorded[0].2.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(
        app.audit_entries("deployment.finish").await.len(),
        1,
        "only the change is audited"
    );
}

#[tokio::test]
async fn a_finished_deployment_can_be_recorded_in_one_request() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    // Whole seconds: Postgres keeps microseconds, not the clock's nanoseconds.
    let now = Utc::now().duration_trunc(Duration::seconds(1)).expect("second");
    let started = (now - Duration::minutes(10)).to_rfc3339();
    let finished = (now - Duration::minutes(4)).to_rfc3339();
    let (status, body) = post(
        &app,
        &key,
        &json!({ "service": "search", "version": "2026.11.24-1", "status": "rolled_back",
                 "started_at": started, "finished_at": finished, "deployed_by": "release bot" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (&body["environment"], &body["deployed_by"]),
        (&json!("production"), &json!("release bot"))
    );
    let at = |field: &str| body[field].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    assert_eq!(at("finished_at"), DateTime::parse_from_rfc3339(&finished).ok());
    assert!(at("started_at").is_some());
}

#[tokio::test]
async fn bad_fields_are_refused_with_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let good = json!({ "service": "checkout", "version": "v1", "status": "started" });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body.as_object_mut().map(|o| o.remove(field));
        body
    };
    let cases = [
        (without("service"), "service"),
        (with("service", json!("")), "service"),
        (with("service", json!(42)), "service"),
        (with("version", json!("v".repeat(101))), "version"),
        (with("environment", json!("prod west")), "environment"),
        (with("commit", json!("abc def")), "commit"),
        (without("status"), "status"),
        (with("status", json!("deployed")), "status"),
        (with("started_at", json!("yesterday")), "started_at"),
        (
            with("started_at", json!((Utc::now() + Duration::hours(1)).to_rfc3339())),
            "started_at",
        ),
        (with("finished_at", json!(Utc::now().to_rfc3339())), "finished_at"),
        (with("deployed_by", json!("d".repeat(201))), "deployed_by"),
        (with("notes_url", json!("javascript:alert(1)")), "notes_url"),
        (with("sevrice", json!("typo")), "sevrice"),
    ];
    for (body, field) in cases {
        let (status, answer) = post(&app, &key, &body).await;
        assert_eq!(
            (status, answer["field"].as_str()),
            (400, Some(field)),
            "{body}: {answer}"
        );
        assert!(answer["error"].as_str().is_some_and(|e| e.contains(field)), "{answer}");
    }
    for text in ["{\"service\": ", "[]", "\"checkout\""] {
        let response = post_as(&app, Some(&key), "application/json", text).await;
        assert_eq!(response.status().as_u16(), 400, "{text}");
        let answer: Value = response.json().await.expect("JSON");
        assert!(answer["field"].is_null() && answer["error"].is_string(), "{answer}");
    }
    assert_eq!(stored(&app).await, 0, "nothing refused is stored");
}

#[tokio::test]
async fn missing_and_unknown_keys_are_401_and_a_key_without_the_scope_403() {
    let app = TestApp::spawn().await;
    let body = json!({ "service": "checkout", "version": "v1", "status": "started" }).to_string();
    let response = post_as(&app, None, "application/json", body.clone()).await;
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().get("www-authenticate").is_some());
    let unknown = app::api_keys::ssr::secret::generate().full;
    let response = post_as(&app, Some(&unknown), "application/json", body.clone()).await;
    assert_eq!(response.status().as_u16(), 401);

    let (_, ingest_only) = insert_key(&app, &["ingest"]).await;
    let response = post_as(&app, Some(&ingest_only), "application/json", body.clone()).await;
    assert_eq!(response.status().as_u16(), 403);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(challenge.contains("scope=\"deployments:write\""), "{challenge}");
    let response = send(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/deployments/1",
        Some(&ingest_only),
        "application/json",
        "{\"status\": \"failed\"}",
    )
    .await;
    assert_eq!(response.status().as_u16(), 403, "finishing needs the scope too");

    assert_eq!(stored(&app).await, 0);
    let denied = app.audit_entries("access.denied").await;
    assert_eq!(denied.len(), 4, "each refusal is audited: {denied:?}");
    assert!(denied.iter().all(|(outcome, _, target)| outcome == "denied"
        && target.as_deref().is_some_and(|t| t.starts_with("/api/v1/deployments"))));
}

#[tokio::test]
async fn an_oversized_body_is_413_and_other_content_types_415() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let huge =
        json!({ "service": "checkout", "version": "v1", "status": "started", "deployed_by": "x".repeat(70_000) });
    let (status, answer) = post(&app, &key, &huge).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].is_string());
    let body = json!({ "service": "checkout", "version": "v1", "status": "started" }).to_string();
    for content_type in [
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/x-ndjson",
    ] {
        let response = post_as(&app, Some(&key), content_type, body.clone()).await;
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
    }
    let response = send(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/deployments/1",
        Some(&key),
        "application/xml",
        "<x/>",
    )
    .await;
    assert_eq!(response.status().as_u16(), 415);
    assert_eq!(stored(&app).await, 0);
    assert_eq!(
        post(&app, &key, &serde_json::from_str(&body).unwrap_or_default())
            .await
            .0,
        201,
        "a normal one passes"
    );
}

/// `count` requests of `service` spread evenly over `[from, from + minutes)`, the first `errors` failing.
fn traffic(
    service: &str,
    from: DateTime<Utc>,
    minutes: i64,
    count: i64,
    duration_ms: f64,
    errors: i64,
) -> Vec<RequestEvent> {
    (0..count)
        .map(|i| RequestEvent {
            service: service.into(),
            endpoint: if i % 2 == 0 { "/pay".into() } else { "/cart".into() },
            method: "GET".into(),
            status: if i < errors { 500 } else { 200 },
            duration_ms,
            ts: from + Duration::seconds(i * minutes * 60 / count),
        })
        .collect()
}

async fn store(app: &TestApp, requests: Vec<RequestEvent>) {
    store_requests(&app.db, requests).await;
}

#[tokio::test]
async fn impact_compares_the_half_hours_before_and_after_and_flags_a_regression() {
    let app = TestApp::spawn().await;
    let start = (Utc::now() - Duration::minutes(50))
        .duration_trunc(Duration::minutes(1))
        .expect("minute");
    // Before: fast and clean. After: ten times slower with 10 % errors (checkout);
    // the same traffic on both sides (search).
    let mut requests = traffic("checkout", start - Duration::minutes(30), 30, 60, 10.0, 0);
    requests.extend(traffic("checkout", start + Duration::minutes(3), 30, 60, 100.0, 6));
    // Outside both windows (during the rollout, and before the window): ignored.
    requests.extend(traffic("checkout", start, 2, 10, 5000.0, 10));
    requests.extend(traffic("checkout", start - Duration::minutes(45), 10, 10, 5000.0, 10));
    requests.extend(traffic("search", start - Duration::minutes(30), 30, 40, 20.0, 0));
    requests.extend(traffic("search", start + Duration::minutes(3), 30, 40, 20.0, 0));
    store(&app, requests).await;

    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let finished = (start + Duration::minutes(2) + Duration::seconds(30)).to_rfc3339();
    for service in ["checkout", "search"] {
        let body = json!({ "service": service, "version": "v2", "status": "succeeded",
                           "started_at": start.to_rfc3339(), "finished_at": finished });
        assert_eq!(post(&app, &key, &body).await.0, 201);
    }
    assert_eq!(
        post(
            &app,
            &key,
            &json!({ "service": "quiet", "version": "v1", "status": "started" })
        )
        .await
        .0,
        201
    );

    let (manager, _) = app.signed_in(Role::Manager).await;
    let (status, listing) = call(
        &manager,
        "/api/deployments/list",
        &[("filter[sort]", "service"), ("filter[dir]", "asc")],
    )
    .await;
    assert_eq!(status, 200, "{listing}");
    assert_eq!(listing["total"], 3);
    assert_eq!(listing["can_record"], false, "managers read only");
    let rows = listing["rows"].as_array().cloned().unwrap_or_default();
    let services: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["deployment"]["service"].as_str())
        .collect();
    assert_eq!(services, ["checkout", "quiet", "search"]);

    let checkout = &rows[0]["impact"];
    assert_eq!(checkout["verdict"], "Worse", "{checkout}");
    assert_eq!(
        (checkout["p95_worse"].as_bool(), checkout["errors_worse"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        (
            checkout["before"]["requests"].as_i64(),
            checkout["after"]["requests"].as_i64()
        ),
        (Some(60), Some(60))
    );
    assert_eq!(
        (
            checkout["before"]["errors"].as_i64(),
            checkout["after"]["errors"].as_i64()
        ),
        (Some(0), Some(6))
    );
    let p95 = |side: &str| checkout[side]["p95_ms"].as_f64().unwrap_or_default();
    assert!((p95("before") - 10.0).abs() <= 0.1, "P95 within 1 %: {}", p95("before"));
    assert!((p95("after") - 100.0).abs() <= 1.0, "P95 within 1 %: {}", p95("after"));
    assert_eq!(checkout["complete"], true);
    assert_eq!(
        checkout["after"]["from"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok()),
        Some((start + Duration::minutes(3)).into()),
        "the after window starts at the first whole minute after the finish"
    );

    assert_eq!(rows[1]["impact"]["verdict"], "NotEnoughTraffic");
    assert_eq!(rows[2]["impact"]["verdict"], "NoRegression", "{}", rows[2]["impact"]);
}

#[tokio::test]
async fn operators_record_and_finish_from_the_page_and_managers_only_read() {
    let app = TestApp::spawn().await;
    let (operator, me) = app.signed_in(Role::Operator).await;
    let (status, created) = call(
        &operator,
        "/api/deployments/record",
        &[
            ("service", "checkout"),
            ("version", "v3"),
            ("status", "started"),
            ("commit", "abc123"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        (&created["deployed_by"], &created["source"]),
        (&json!(me.email), &json!("ui"))
    );
    let id = created["id"].as_i64().expect("id").to_string();

    let (status, error) = call(
        &operator,
        "/api/deployments/record",
        &[("service", "checkout"), ("version", ""), ("status", "started")],
    )
    .await;
    assert_eq!(
        (status, error["Validation"]["field"].as_str()),
        (422, Some("version")),
        "{error}"
    );

    let (status, finished) = call(
        &operator,
        "/api/deployments/finish",
        &[("deployment_id", &id), ("status", "failed")],
    )
    .await;
    assert_eq!(
        (status, finished["status"].as_str()),
        (200, Some("failed")),
        "{finished}"
    );
    let (status, _) = call(
        &operator,
        "/api/deployments/finish",
        &[("deployment_id", &id), ("status", "succeeded")],
    )
    .await;
    assert_eq!(status, 409);

    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(
        call(
            &manager,
            "/api/deployments/record",
            &[("service", "x"), ("version", "v"), ("status", "started")]
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &manager,
            "/api/deployments/finish",
            &[("deployment_id", &id), ("status", "failed")]
        )
        .await
        .0,
        403
    );
    let html = manager.get("/deployments").await.text().await.expect("page");
    assert!(
        html.contains("<h1>Deployments</h1>") && html.contains("checkout") && html.contains("abc123"),
        "{html}"
    );
    assert!(!html.contains("Record a deployment"), "no form for managers");
    for role in [Role::Viewer, Role::Support] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(browser.get("/deployments").await.status().as_u16(), 403, "{role:?}");
        assert_eq!(call(&browser, "/api/deployments/list", &[]).await.0, 403, "{role:?}");
    }

    let record = app.audit_entries("deployment.record").await;
    let finish = app.audit_entries("deployment.finish").await;
    assert_eq!(
        record,
        vec![("success".into(), Some(me.email.clone()), Some(id.clone()))]
    );
    assert_eq!(finish, vec![("success".into(), Some(me.email.clone()), Some(id))]);
}

#[tokio::test]
async fn the_form_works_without_javascript() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let html = operator.get("/deployments").await.text().await.expect("page");
    for label in [
        ">Service</label>",
        ">Version</label>",
        ">Status</label>",
        ">Notes link</label>",
        "Record deployment",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let post = |form: Vec<(&'static str, &'static str)>| {
        operator
            .client
            .post(format!("{}/api/deployments/record", operator.address))
            .header("Accept", "text/html")
            .header("Referer", format!("{}/deployments", operator.address))
            .form(&form)
            .send()
    };
    let response = post(vec![("service", "shop"), ("version", "v9"), ("status", "succeeded")])
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 302, "redirected back to the page");
    assert_eq!(stored(&app).await, 1);
    let response = post(vec![
        ("service", "shop"),
        ("version", "v9"),
        ("status", "succeeded"),
        ("notes_url", "ftp://x"),
    ])
    .await
    .expect("sent");
    let location = response.headers()["location"].to_str().expect("ascii").to_string();
    let page = operator
        .get(location.strip_prefix(&operator.address).unwrap_or(&location))
        .await;
    let html = page.text().await.expect("page");
    assert!(
        html.contains("must be an http:// or https:// link"),
        "the field's error is shown: {html}"
    );
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn the_performance_report_marks_deployments_for_those_who_may_read_them() {
    let app = TestApp::spawn().await;
    store(
        &app,
        traffic("shop", Utc::now() - Duration::minutes(20), 10, 20, 15.0, 0),
    )
    .await;
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let started = (Utc::now() - Duration::minutes(12)).to_rfc3339();
    for (service, version) in [("shop", "v7.1.0"), ("other", "v0")] {
        let body = json!({ "service": service, "version": version, "status": "succeeded", "started_at": started });
        assert_eq!(post(&app, &key, &body).await.0, 201);
    }
    let form = [("query[service]", "shop"), ("query[range]", "1h")];
    let (manager, _) = app.signed_in(Role::Manager).await;
    let (status, report) = call(&manager, "/api/metrics/performance", &form).await;
    assert_eq!(status, 200, "{report}");
    let versions: Vec<&str> = report["deployments"]
        .as_array()
        .map(|d| d.iter().filter_map(|m| m["version"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(versions, ["v7.1.0"], "only the chosen service's deployments");
    let html = manager
        .get("/performance?service=shop&range=1h")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains("Deployments in this range") && html.contains("v7.1.0"),
        "listed as text too"
    );

    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (status, report) = call(&viewer, "/api/metrics/performance", &form).await;
    assert_eq!(
        (status, &report["deployments"]),
        (200, &Value::Null),
        "viewers may not read deployment records"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_deployments_api() {
    let app = TestApp::spawn().await;
    let (status, document) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let post = &document["paths"]["/api/v1/deployments"]["post"];
    for code in ["201", "400", "401", "403", "413", "415", "429"] {
        assert!(
            post["responses"][code]["description"].is_string(),
            "POST {code} described"
        );
    }
    let patch = &document["paths"]["/api/v1/deployments/{id}"]["patch"];
    for code in ["200", "400", "401", "403", "404", "409", "413", "415"] {
        assert!(
            patch["responses"][code]["description"].is_string(),
            "PATCH {code} described"
        );
    }
    let fields = &document["components"]["schemas"]["NewDeployment"]["properties"];
    for field in [
        "service",
        "version",
        "environment",
        "commit",
        "status",
        "started_at",
        "finished_at",
        "deployed_by",
        "notes_url",
    ] {
        assert!(fields[field].is_object(), "{field} documented");
    }
}

#[test]
fn the_endpoint_table_gates_every_deployments_endpoint() {
    let rows = [
        ("/deployments", Access::Requires(Permission::ReadDeployments)),
        ("/api/deployments/list", Access::Requires(Permission::ReadDeployments)),
        (
            "/api/deployments/record",
            Access::Requires(Permission::RecordDeployments),
        ),
        (
            "/api/deployments/finish",
            Access::Requires(Permission::RecordDeployments),
        ),
        // The API checks its bearer key itself.
        ("/api/v1/deployments", Access::Public),
        ("/api/v1/deployments/42", Access::Public),
    ];
    for (path, access) in rows {
        assert_eq!(access_for(path), Some(access), "{path}");
    }
}
