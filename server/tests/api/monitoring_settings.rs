//! Settings › Monitoring: a value saved on one instance changes what a
//! second instance does within seconds, without a restart; every field is
//! checked with its own message; a save from an older version is refused;
//! each save is audited with its before and after; only admins may; a
//! shorter retention asks for confirmation with what it deletes, and the
//! retention worker then applies it.

use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use chrono::Utc;
use serde_json::Value;

use crate::helpers::{Browser, TestApp, store_requests};

async fn save(admin: &Browser, version: i64, fields: &[(&str, &str)], confirm: bool) -> (u16, Value) {
    let version = version.to_string();
    let names: Vec<String> = fields.iter().map(|(name, _)| format!("form[{name}]")).collect();
    let mut form: Vec<(&str, &str)> = vec![("version", &version)];
    form.extend(
        names
            .iter()
            .zip(fields)
            .map(|(name, (_, value))| (name.as_str(), *value)),
    );
    if confirm {
        form.push(("confirm_deletion", "true"));
    }
    let response = admin.post_fn("/api/monitoring/save", &form).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn current(admin: &Browser) -> Value {
    let response = admin.post_fn("/api/monitoring/get", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON body")
}

fn field<'v>(page: &'v Value, name: &str) -> &'v Value {
    page["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == name))
        .unwrap_or(&Value::Null)
}

/// The Overview tile of `service` as `viewer` sees it.
async fn tile_health(viewer: &Browser, service: &str) -> Value {
    let tiles: Value = viewer
        .post_fn("/api/metrics/overview", &[])
        .await
        .json()
        .await
        .expect("JSON body");
    tiles
        .as_array()
        .and_then(|tiles| tiles.iter().find(|t| t["service"] == service))
        .map(|t| t["health"].clone())
        .unwrap_or(Value::Null)
}

fn requests(service: &str, count: usize, duration_ms: f64, at: chrono::DateTime<Utc>) -> Vec<RequestEvent> {
    (0..count)
        .map(|_| RequestEvent {
            service: service.into(),
            endpoint: "/pay".into(),
            method: "GET".into(),
            status: 200,
            duration_ms,
            ts: at,
        })
        .collect()
}

#[tokio::test]
async fn a_threshold_saved_on_one_instance_changes_the_other_instances_tiles_within_seconds() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    store_requests(
        &app.db,
        requests("shop", 20, 300.0, Utc::now() - chrono::Duration::minutes(1)),
    )
    .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (viewer, _) = sibling.signed_in(Role::Viewer).await;
    assert_eq!(
        tile_health(&viewer, "shop").await,
        "up",
        "300 ms is under the default 1000 ms"
    );

    let (status, body) = save(&admin, 0, &[("tile_degraded_p95_ms", "200")], false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(field(&body, "tile_degraded_p95_ms")["source"], "Page");
    let saved = Instant::now();
    while tile_health(&viewer, "shop").await != "degraded" {
        assert!(
            saved.elapsed() < Duration::from_secs(5),
            "the sibling still shows the old threshold"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "the sibling's tile turned degraded {:?} after the save",
        saved.elapsed()
    );

    // A service's own threshold beats the global one.
    let (status, body) = save(
        &admin,
        1,
        &[("tile_degraded_p95_ms", "200"), ("tile_overrides", "shop down_p95=250")],
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved = Instant::now();
    while tile_health(&viewer, "shop").await != "down" {
        assert!(
            saved.elapsed() < Duration::from_secs(5),
            "the sibling ignores the service's own threshold"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The sibling's readiness check follows the health thresholds too.
    let (status, body) = save(
        &admin,
        2,
        &[("health_degraded_ms", "0"), ("health_timeout_ms", "3000")],
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved = Instant::now();
    loop {
        let (_, ready) = sibling.get_json("/ready").await;
        if ready["services"]["database"]["status"] == "degraded" {
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(5),
            "readiness ignores the new threshold: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_bad_field_is_refused_with_its_own_message_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (status, body) = save(
        &admin,
        0,
        &[
            ("raw_days", "0"),
            ("tile_down_error_pct", "lots"),
            ("collect_secs", "-1"),
            ("tile_overrides", "shop p99=3"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let errors: Vec<(String, String)> = serde_json::from_value(body["Fields"].clone()).expect("field errors");
    let message = |name: &str| errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
    assert_eq!(message("raw_days").as_deref(), Some("Enter between 1 and 3650 days."));
    assert_eq!(
        message("tile_down_error_pct").as_deref(),
        Some("Enter a percentage such as 5 or 2.5.")
    );
    assert!(message("collect_secs").is_some(), "{errors:?}");
    assert!(
        message("tile_overrides").is_some_and(|m| m.starts_with("Line 1:")),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 4, "{errors:?}");

    let (status, body) = save(&admin, 0, &[("health_timeout_ms", "500")], false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "health_timeout_ms", "{body}");
    assert_eq!(current(&admin).await["version"], 0, "nothing was stored");
}

#[tokio::test]
async fn a_save_from_an_older_version_is_refused_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let (first, _) = app.signed_in(Role::Admin).await;
    let (second, _) = app.signed_in(Role::Admin).await;
    let (status, body) = save(&first, 0, &[("log_days", "14")], false).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = save(&second, 0, &[("error_days", "60")], false).await;
    assert_eq!(status, 409, "{body}");
    let message = body["Conflict"].as_str().unwrap_or_default();
    assert!(
        message.contains("Another admin saved these settings") && message.contains("version 1"),
        "{message}"
    );
    let page = current(&first).await;
    assert_eq!(field(&page, "log_days")["page"], "14", "the first save stands");
    assert_eq!(
        field(&page, "error_days")["source"],
        "Default",
        "the stale save changed nothing"
    );

    // Without JavaScript the page comes back with the message and the typed values.
    let location = second
        .post_without_js(
            "/api/monitoring/save",
            "/settings/monitoring",
            &[("version", "0"), ("form[error_days]", "60")],
        )
        .await;
    assert!(location.contains("__err="), "{location}");
    let (status, html) = page_of(&app, &second, &location).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Another admin saved these settings"),
        "the refusal is shown"
    );
    assert!(html.contains(r#"value="60""#), "the typed value is kept");
    assert!(
        html.contains(r#"name="version" value="1""#),
        "the form now names the current version"
    );
}

async fn exists(db: &sqlx::PgPool, table: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(db)
        .await
        .expect("pg_class readable")
}

async fn page_of(app: &TestApp, browser: &Browser, location: &str) -> (u16, String) {
    let response = browser.get(location).await;
    let _ = app;
    let status = response.status().as_u16();
    (status, response.text().await.expect("text body"))
}

#[tokio::test]
async fn a_save_is_audited_with_the_values_before_and_after() {
    let app = TestApp::spawn().await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    assert_eq!(save(&admin, 0, &[("rollup_days", "120")], false).await.0, 200);
    assert_eq!(
        save(&admin, 1, &[("rollup_days", "180"), ("scrub_keys", "iban")], false)
            .await
            .0,
        200
    );
    let rows: Vec<(Option<String>, Value, Value)> = sqlx::query_as(
        "SELECT actor_email, before, after FROM audit_log WHERE action = 'monitoring_settings.update' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit_log readable");
    assert_eq!(rows.len(), 2);
    let (actor, before, after) = &rows[1];
    assert_eq!(actor.as_deref(), Some(user.email.as_str()));
    assert_eq!(before["version"], 1);
    assert_eq!(before["values"], serde_json::json!({ "rollup_days": "120" }));
    assert_eq!(after["version"], 2);
    assert_eq!(
        after["values"],
        serde_json::json!({ "rollup_days": "180", "scrub_keys": "iban" })
    );
}

#[tokio::test]
async fn operators_may_neither_read_nor_change_the_settings() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    assert_eq!(
        operator.post_fn("/api/monitoring/get", &[]).await.status().as_u16(),
        403
    );
    let (status, _) = save(&operator, 0, &[("raw_days", "1")], true).await;
    assert_eq!(status, 403);
    assert_eq!(operator.get("/settings/monitoring").await.status().as_u16(), 403);
    let (admin, _) = app.signed_in(Role::Admin).await;
    assert_eq!(current(&admin).await["version"], 0, "nothing was stored");
}

#[tokio::test]
async fn a_shorter_retention_asks_for_confirmation_says_what_it_deletes_then_applies() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let old_day = Utc::now().date_naive() - chrono::Duration::days(3);
    let mut conn = app.db.acquire().await.expect("connection");
    app::metrics::ssr::partitions::ensure_days(&mut conn, &[old_day])
        .await
        .expect("an old day's partitions");
    store_requests(
        &app.db,
        requests("shop", 5, 20.0, old_day.and_hms_opt(12, 0, 0).expect("noon").and_utc()),
    )
    .await;
    let partition = format!("request_events_p{}", old_day.format("%Y%m%d"));
    assert!(exists(&app.db, &partition).await);

    let (status, body) = save(&admin, 0, &[("raw_days", "1")], false).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "confirm_deletion", "{body}");
    let message = body["Validation"]["message"].as_str().unwrap_or_default();
    println!("{message}");
    assert!(
        message.contains("7 → 1 days deletes 1 day of data (5 rows)"),
        "{message}"
    );
    assert_eq!(current(&admin).await["version"], 0, "not saved without confirmation");
    assert!(exists(&app.db, &partition).await);

    let (status, body) = save(&admin, 0, &[("raw_days", "1")], true).await;
    assert_eq!(status, 200, "{body}");
    let saved = Instant::now();
    while exists(&app.db, &partition).await {
        assert!(
            saved.elapsed() < Duration::from_secs(10),
            "retention still keeps {partition}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("{partition} dropped {:?} after the save", saved.elapsed());
    // A longer retention again deletes nothing and needs no confirmation.
    assert_eq!(save(&admin, 1, &[("raw_days", "10")], false).await.0, 200);
}
