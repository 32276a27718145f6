//! A rule's page with a day of data and a long history behind it: the page
//! carries each piece of data once, so its size and cost do not grow with
//! how long the rule has been running.

use std::time::{Duration as Elapsed, Instant};

use app::alerts::ssr::store;
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use chrono::{Duration, Utc};

use crate::helpers::{Browser, TestApp, p95_rule, store_requests};

/// A day of `shop` traffic: three requests a minute, slow every sixth hour.
async fn store_a_day(app: &TestApp) {
    let now = Utc::now();
    let requests = (0..24 * 60)
        .flat_map(|minute: i64| {
            (0..3).map(move |i| RequestEvent {
                service: "shop".into(),
                endpoint: "/cart".into(),
                method: "GET".into(),
                status: if i == 2 && minute % 7 == 0 { 500 } else { 200 },
                duration_ms: if (minute / 60) % 6 == 0 { 650.0 } else { 40.0 } + i as f64,
                ts: now - Duration::minutes(minute) - Duration::seconds(i * 15),
            })
        })
        .collect();
    store_requests(&app.db, requests).await;
}

/// The rule, with 400 state changes over the day (more than the page lists).
async fn rule_with_history(app: &TestApp) -> i64 {
    let mut conn = app.db.acquire().await.expect("connection");
    let (id, _) = store::save(&mut conn, None, &p95_rule("Shop slow"), None)
        .await
        .expect("saved")
        .expect("a new rule");
    sqlx::query(
        "INSERT INTO alert_events (rule_id, at, from_state, to_state, value, threshold, severity)
         SELECT $1, now() - make_interval(secs => g * 216),
                CASE WHEN g % 2 = 0 THEN 'firing' ELSE 'resolved' END,
                CASE WHEN g % 2 = 0 THEN 'resolved' ELSE 'firing' END,
                650 - g, 300, 'warning'
           FROM generate_series(1, 400) AS g",
    )
    .bind(id)
    .execute(&mut *conn)
    .await
    .expect("events stored");
    id
}

/// The median time of `n` fetches of `path`, and the last body.
async fn median_fetch(browser: &Browser, path: &str, n: usize) -> (Elapsed, String) {
    let mut times = Vec::with_capacity(n);
    let mut body = String::new();
    for _ in 0..n {
        let started = Instant::now();
        let response = browser.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        body = response.text().await.expect("page");
        times.push(started.elapsed());
    }
    times.sort();
    (times[n / 2], body)
}

#[tokio::test]
async fn a_rule_page_with_a_day_of_data_and_history_is_small_and_costs_a_few_plain_pages() {
    let app = TestApp::spawn().await;
    store_a_day(&app).await;
    let id = rule_with_history(&app).await;
    let (operator, _) = app.signed_in(Role::Operator).await;

    let (plain, _) = median_fetch(&operator, "/profile", 5).await;
    let (rule, page) = median_fetch(&operator, &format!("/alerts/rules/{id}"), 5).await;

    assert!(
        page.contains("Shop slow") && page.contains("rule-preview"),
        "the rule and its preview are shown"
    );
    // The preview's series (300 points) and the rule's detail travel once in
    // the page; a resource created again on each render would repeat them.
    assert!(page.len() < 300_000, "the rule page is {} bytes", page.len());
    // The preview reads a day of rollups: some plain pages' worth, never
    // seconds. Measured against a plain page in the same run.
    assert!(
        rule < plain * 40 + Elapsed::from_millis(50),
        "rule page {rule:?} against a plain page {plain:?}"
    );
    println!("rule page: {} bytes in {rule:?}; plain page {plain:?}", page.len());
}

/// Each resource's data as written into `page` (`__RESOLVED_RESOURCES[n] = …`).
fn resolved_resources(page: &str) -> Vec<&str> {
    page.split("__RESOLVED_RESOURCES[")
        .skip(1)
        .filter_map(|rest| rest.split_once("] = ").map(|(_, value)| value))
        .map(|value| value.split_once(";").map_or(value, |(value, _)| value))
        .collect()
}

#[tokio::test]
async fn every_page_carries_each_of_its_resources_once() {
    let app = TestApp::spawn().await;
    let id = rule_with_history(&app).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let rule = format!("/alerts/rules/{id}");
    let pages = [
        "/",
        "/performance",
        "/health-checks",
        "/alerts",
        "/alerts/rules",
        rule.as_str(),
        "/alerts/rules/new",
        "/alerts/silences",
        "/alerts/channels",
        "/backups",
        "/deployments",
        "/audit",
        "/audit?verify=1",
        "/settings/api-keys",
        "/users",
        "/profile",
    ];
    for path in pages {
        let response = admin.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let page = response.text().await.expect("page");
        let resources = resolved_resources(&page);
        assert!(!resources.is_empty(), "{path} carries its data for hydration");
        // Two resources may fetch the same small answer (the header badge and
        // the Overview both count firing alerts); the same sizeable data twice
        // is one resource created again on a render.
        let mut sizeable: Vec<&str> = resources.iter().copied().filter(|data| data.len() > 100).collect();
        let written = sizeable.len();
        sizeable.sort_unstable();
        sizeable.dedup();
        assert_eq!(
            sizeable.len(),
            written,
            "{path}: {written} resources' data written, only {} different",
            sizeable.len()
        );
    }
}
