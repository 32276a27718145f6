//! SLOs against stored requests: budgets counted from the rollups (and the
//! raw events for a status set), silent minutes unmeasured, and the SLO
//! server functions: validation with nothing stored, retention refusals,
//! versions, audit entries and who may do what.

use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use app::slo::ssr::budget::over;
use app::slo::{SloDraft, SloKind, SloWindow};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;

use crate::helpers::{Browser, TestApp, fresh_pool, store_requests};

/// A server function's status and JSON answer.
async fn call(browser: &Browser, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// A page's status and HTML.
async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Two hours of `pay` traffic from `start`. Minutes 0–59: ten requests to
/// /charge, eight at 50 ms and two at 400 ms; every tenth minute those two
/// answer 500. Minute 90: ten at 50 ms, one of them a 404. Minute 100: five
/// 500s to /other. Every other minute is silent.
async fn seed(pool: &PgPool, start: DateTime<Utc>) {
    let mut requests = Vec::new();
    let request = |endpoint: &str, status: i16, duration_ms: f64, ts: DateTime<Utc>| RequestEvent {
        service: "pay".into(),
        endpoint: endpoint.into(),
        method: "POST".into(),
        status,
        duration_ms,
        ts,
    };
    for minute in 0..60 {
        for i in 0..10 {
            let slow = i >= 8;
            let status = if slow && minute % 10 == 0 { 500 } else { 200 };
            let at = start + Duration::minutes(minute) + Duration::seconds(i * 5);
            requests.push(request("/charge", status, if slow { 400.0 } else { 50.0 }, at));
        }
    }
    for i in 0..10 {
        let at = start + Duration::minutes(90) + Duration::seconds(i * 5);
        requests.push(request("/charge", if i == 0 { 404 } else { 200 }, 50.0, at));
    }
    for i in 0..5 {
        requests.push(request(
            "/other",
            500,
            20.0,
            start + Duration::minutes(100) + Duration::seconds(i),
        ));
    }
    store_requests(pool, requests).await;
}

fn slo(kind: SloKind, objective: f64) -> SloDraft {
    SloDraft {
        name: "Pay".into(),
        description: String::new(),
        service: "pay".into(),
        endpoint: Some("/charge".into()),
        kind,
        good_statuses: None,
        threshold_ms: (kind == SloKind::Latency).then_some(100.0),
        objective,
        window: SloWindow::Rolling7,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn budgets_count_stored_requests_and_leave_silent_minutes_unmeasured() {
    let (_database, pool) = fresh_pool().await;
    let start = Utc::now().duration_trunc(Duration::hours(1)).expect("hour") - Duration::hours(3);
    seed(&pool, start).await;
    let end = start + Duration::hours(2);
    let now = Utc::now();
    let mut conn = pool.acquire().await.expect("connection");

    // Availability (not 5xx) of /charge: 610 requests, 12 of them 500s.
    let b = over(&mut conn, &slo(SloKind::Availability, 95.0), start, end, now)
        .await
        .expect("budget");
    assert_eq!((b.events, b.good), (610, 598));
    assert_eq!(
        (b.elapsed_minutes, b.measured_minutes),
        (120, 61),
        "59 silent minutes are unmeasured"
    );
    assert!(
        close(b.remaining.expect("measured"), 1.0 - 12.0 / 30.5),
        "{:?}",
        b.remaining
    );
    assert!(b.series.len() > 1 && b.series.windows(2).all(|w| w[0].0 < w[1].0));

    // The whole service adds /other's five 500s and its minute.
    let service = SloDraft {
        endpoint: None,
        ..slo(SloKind::Availability, 95.0)
    };
    let b = over(&mut conn, &service, start, end, now).await.expect("budget");
    assert_eq!((b.events, b.good, b.measured_minutes), (615, 598, 62));

    // Latency at 100 ms: the 120 requests at 400 ms are bad, whatever their status.
    let b = over(&mut conn, &slo(SloKind::Latency, 80.0), start, end, now)
        .await
        .expect("budget");
    assert_eq!((b.events, b.good), (610, 490));
    assert!(close(b.remaining.expect("measured"), 1.0 - 120.0 / 122.0));
    // A threshold just under 400 ms still counts them bad; at 400 ms they are good.
    let at = |ms| SloDraft {
        threshold_ms: Some(ms),
        ..slo(SloKind::Latency, 80.0)
    };
    assert_eq!(
        over(&mut conn, &at(395.0), start, end, now).await.expect("budget").good,
        490
    );
    assert_eq!(
        over(&mut conn, &at(400.0), start, end, now).await.expect("budget").good,
        610
    );

    // A chosen status set reads the raw events: the 404 is bad too.
    let statuses = SloDraft {
        good_statuses: Some("200-299".into()),
        ..slo(SloKind::Availability, 95.0)
    };
    let b = over(&mut conn, &statuses, start, end, now).await.expect("budget");
    assert_eq!((b.events, b.good, b.measured_minutes), (610, 597, 61));

    // The burn rate is the last hour's: minute 90's one 404 is not a 5xx.
    let b = over(&mut conn, &slo(SloKind::Availability, 95.0), start, end, now)
        .await
        .expect("budget");
    assert_eq!(b.burn_rate, Some(0.0));
}

#[tokio::test]
async fn a_service_without_data_and_a_future_period_are_unmeasured() {
    let (_database, pool) = fresh_pool().await;
    let mut conn = pool.acquire().await.expect("connection");
    let now = Utc::now();
    let ghost = SloDraft {
        service: "ghost".into(),
        ..slo(SloKind::Availability, 99.9)
    };
    let b = over(&mut conn, &ghost, now - Duration::days(7), now, now)
        .await
        .expect("budget");
    assert_eq!((b.events, b.remaining, b.burn_rate), (0, None, None));
    assert!(app::slo::explain::sentence(&ghost, &b).contains("unmeasured (not 100 %)"));
    let b = over(&mut conn, &ghost, now + Duration::days(1), now + Duration::days(2), now)
        .await
        .expect("budget");
    assert_eq!((b.elapsed_minutes, b.remaining), (0, None));
}

fn form<'a>(name: &'a str, objective: &'a str, window: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("slo[name]", name),
        ("slo[service]", "pay"),
        ("slo[kind]", "availability"),
        ("slo[objective]", objective),
        ("slo[window]", window),
    ]
}

async fn slo_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM slos")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn operators_create_update_restore_and_delete_slos_audited_and_bad_input_stores_nothing() {
    let app = TestApp::spawn().await;
    let (operator, user) = app.signed_in(Role::Operator).await;

    let refused = operator.post_fn("/api/slos/save", &form("", "100", "90d")).await;
    assert_eq!(refused.status().as_u16(), 422);
    let body = refused.text().await.expect("body");
    for field in ["name", "objective", "window"] {
        assert!(body.contains(field), "{field} in {body}");
    }
    assert_eq!(slo_count(&app).await, 0, "nothing stored");

    let created = operator
        .post_fn("/api/slos/save", &form("Pay <script>\"", "99.9", "30d"))
        .await;
    assert_eq!(created.status().as_u16(), 200);
    let id: i64 = created.json().await.expect("the new id");
    let audit = app.audit_entries("slo.create").await;
    assert_eq!(
        audit,
        vec![("success".into(), Some(user.email.clone()), Some(id.to_string()))]
    );

    let id_text = id.to_string();
    let mut update = form("Pay <script>\"", "99.5", "month");
    update.push(("id", &id_text));
    assert_eq!(operator.post_fn("/api/slos/save", &update).await.status().as_u16(), 200);
    let (status, detail) = call(&operator, "/api/slos/get", &[("id", &id_text)]).await;
    assert_eq!(status, 200);
    assert_eq!(detail["row"]["slo"]["version"], 2);
    assert_eq!(detail["row"]["slo"]["draft"]["objective"], 99.5);
    assert_eq!(detail["versions"].as_array().map(Vec::len), Some(2));
    assert!(
        detail["sentence"].as_str().is_some_and(|s| s.contains("unmeasured")),
        "{detail}"
    );

    let restored = operator
        .post_fn("/api/slos/restore", &[("id", &id_text), ("version", "1")])
        .await;
    assert_eq!(restored.status().as_u16(), 200);
    let (_, detail) = call(&operator, "/api/slos/get", &[("id", &id_text)]).await;
    assert_eq!(
        (
            detail["row"]["slo"]["version"].clone(),
            detail["row"]["slo"]["draft"]["objective"].clone()
        ),
        (3.into(), 99.9.into())
    );
    assert_eq!(app.audit_entries("slo.restore").await.len(), 1);

    // The page echoes the name as text, never as markup.
    let (status, page) = page(&operator, &format!("/slos/{id}")).await;
    assert_eq!(status, 200);
    // (Outside the page's scripts: a resource streamed as JSON holds the name as data.)
    let markup: String = page
        .split("<script")
        .map(|part| part.split_once("</script>").map_or(part, |(_, after)| after))
        .collect();
    assert!(
        page.contains("Pay &lt;script&gt;") && !markup.contains("Pay <script>"),
        "{page}"
    );

    let taken = operator
        .post_fn("/api/slos/save", &form("Pay <script>\"", "99", "7d"))
        .await;
    assert_eq!(taken.status().as_u16(), 409, "names are unique");

    assert_eq!(
        operator
            .post_fn("/api/slos/delete", &[("id", &id_text)])
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(slo_count(&app).await, 0);
    assert_eq!(app.audit_entries("slo.delete").await.len(), 1);
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM slo_versions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(versions, 0);
}

#[tokio::test]
async fn a_window_longer_than_the_rollups_are_kept_is_refused_naming_the_retention() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_RETENTION_ROLLUP_DAYS", "14")
        .spawn()
        .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let refused = admin.post_fn("/api/slos/save", &form("Pay", "99.9", "30d")).await;
    assert_eq!(refused.status().as_u16(), 422);
    let body = refused.text().await.expect("body");
    assert!(
        body.contains("OPSDECK_RETENTION_ROLLUP_DAYS") && body.contains("at least 30"),
        "{body}"
    );
    assert_eq!(slo_count(&app).await, 0);
    assert_eq!(
        admin
            .post_fn("/api/slos/save", &form("Pay", "99.9", "7d"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn managers_read_slos_viewers_and_support_are_refused() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let id: i64 = admin
        .post_fn("/api/slos/save", &form("Pay", "99.9", "30d"))
        .await
        .json()
        .await
        .expect("id");
    let id_text = id.to_string();

    let (manager, _) = app.signed_in(Role::Manager).await;
    let (status, list) = call(&manager, "/api/slos/list", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(list["can_edit"], false);
    assert_eq!(list["rows"][0]["slo"]["draft"]["name"], "Pay");
    assert_eq!(
        list["rows"][0]["budget"]["remaining"],
        serde_json::Value::Null,
        "no data: unmeasured"
    );
    let (status, page) = page(&manager, &format!("/slos/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Read only"));
    assert_eq!(
        manager
            .post_fn("/api/slos/save", &form("Mine", "99", "7d"))
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        manager
            .post_fn("/api/slos/delete", &[("id", &id_text)])
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(manager.get("/slos/new").await.status().as_u16(), 403);

    for role in [Role::Viewer, Role::Support] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(
            browser.post_fn("/api/slos/list", &[]).await.status().as_u16(),
            403,
            "{role:?}"
        );
        assert_eq!(
            browser
                .post_fn("/api/slos/get", &[("id", &id_text)])
                .await
                .status()
                .as_u16(),
            403
        );
        assert_eq!(browser.get("/slos").await.status().as_u16(), 403, "{role:?}");
    }
    assert_eq!(slo_count(&app).await, 1);
}
