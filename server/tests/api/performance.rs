//! The Performance page's server function: validation of its query, a
//! 30-day series downsampled on the server, and the report shared between
//! viewers until new data is announced.

use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use chrono::{Duration, Utc};

use crate::helpers::{TestApp, store_requests};

async fn post(browser: &crate::helpers::Browser, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let response = browser.post_fn("/api/metrics/performance", form).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn unknown_ranges_and_bad_custom_bounds_are_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (status, body) = post(&viewer, &[("query[range]", "fortnight")]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "range", "{body}");
    let (status, body) = post(
        &viewer,
        &[
            ("query[range]", "custom"),
            ("query[from]", "2026-11-24T10:00"),
            ("query[to]", "2026-11-24T09:00"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "to", "{body}");
    let long_ago = (Utc::now() - Duration::days(120)).format("%Y-%m-%dT%H:%M").to_string();
    let later = (Utc::now() - Duration::days(119)).format("%Y-%m-%dT%H:%M").to_string();
    let (status, body) = post(
        &viewer,
        &[
            ("query[range]", "custom"),
            ("query[from]", &long_ago),
            ("query[to]", &later),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "from", "{body}");
}

#[tokio::test]
async fn a_thirty_day_series_is_downsampled_to_at_most_300_points() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    // One request every 30 minutes for 29 days: 1392 distinct minutes.
    let requests = (0..29 * 48)
        .map(|i| RequestEvent {
            service: "shop".into(),
            endpoint: if i % 2 == 0 { "/pay".into() } else { "/cart".into() },
            method: "GET".into(),
            status: if i % 10 == 0 { 500 } else { 200 },
            duration_ms: 10.0 + (i % 7) as f64,
            ts: now - Duration::minutes(30 * i + 5),
        })
        .collect();
    store_requests(&app.db, requests).await;

    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (status, body) = post(&viewer, &[("query[service]", "shop"), ("query[range]", "30d")]).await;
    assert_eq!(status, 200, "{body}");
    let series = body["series"].as_array().expect("series");
    assert!(!series.is_empty() && series.len() <= 300, "{} points", series.len());
    assert_eq!(body["overall"]["count"], 29 * 48, "{}", body["overall"]);
    assert_eq!(body["services"], serde_json::json!(["shop"]));
    assert_eq!(
        body["failing"].as_array().map(Vec::len),
        Some(1),
        "only /pay fails: {}",
        body["failing"]
    );

    let (status, body) = post(&viewer, &[("query[service]", "shop"), ("query[range]", "15m")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["overall"]["count"], 1, "{}", body["overall"]);
}

#[tokio::test]
async fn the_overview_tiles_need_only_dashboard_access() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let response = viewer.post_fn("/api/metrics/overview", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.expect("JSON body"),
        serde_json::json!([])
    );
}

/// Requests in the whole window of the Performance report for `service`.
async fn overall_count(viewer: &crate::helpers::Browser, service: &str) -> i64 {
    let (status, body) = post(viewer, &[("query[service]", service), ("query[range]", "1h")]).await;
    assert_eq!(status, 200, "{body}");
    body["overall"]["count"].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn viewers_share_a_report_until_the_live_stream_announces_new_data() {
    let app = TestApp::spawn().await;
    let (_, key) = crate::ingest::insert_key(&app, &["ingest"]).await;
    let event = |minutes_ago: i64| {
        serde_json::json!({ "service": "shop", "endpoint": "/pay", "method": "GET", "status": 200,
                            "duration_ms": 12.0, "ts": (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339() })
    };
    let ingest = |requests: Vec<serde_json::Value>| {
        let (app, key) = (&app, &key);
        async move {
            let response = app
                .client
                .post(format!("{}/api/v1/ingest", app.address))
                .bearer_auth(key)
                .json(&serde_json::json!({ "requests": requests }))
                .send()
                .await
                .expect("ingest");
            assert_eq!(response.status().as_u16(), 202);
        }
    };
    ingest(vec![event(10), event(9)]).await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (manager, _) = app.signed_in(Role::Manager).await;
    let waited = std::time::Instant::now();
    while overall_count(&viewer, "shop").await < 2 {
        assert!(waited.elapsed().as_secs() < 10, "the first batch shows");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Stored without being announced (as no ingest does): the shared answer stands.
    let quiet = RequestEvent {
        service: "shop".into(),
        endpoint: "/pay".into(),
        method: "GET".into(),
        status: 200,
        duration_ms: 12.0,
        ts: Utc::now() - Duration::minutes(8),
    };
    store_requests(&app.db, vec![quiet]).await;
    assert_eq!(
        overall_count(&manager, "shop").await,
        2,
        "another viewer gets the shared answer"
    );

    // Through the API the batch is announced: the answer is recomputed (one
    // request may still get the old one meanwhile) and pages count everything.
    let announced = std::time::Instant::now();
    ingest(vec![event(7)]).await;
    while overall_count(&viewer, "shop").await != 4 {
        assert!(
            announced.elapsed() < app::metrics::ssr::report_cache::FRESH,
            "new data shows before the shared answer would go stale on its own"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn request(service: &str, endpoint: &str, minutes_ago: i64) -> RequestEvent {
    RequestEvent {
        service: service.into(),
        endpoint: endpoint.into(),
        method: "GET".into(),
        status: 200,
        duration_ms: 20.0,
        ts: Utc::now() - Duration::minutes(minutes_ago),
    }
}

#[tokio::test]
async fn a_stale_endpoint_from_a_plain_form_is_set_aside_with_a_notice() {
    let app = TestApp::spawn().await;
    store_requests(
        &app.db,
        vec![
            request("shop", "/pay", 5),
            request("cart", "/items", 5),
            request("cart", "/items", 4),
        ],
    )
    .await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;

    // The form without JavaScript sends the previous service's endpoint along.
    let response = viewer.get("/performance?service=cart&endpoint=%2Fpay&range=1h").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("Endpoint /pay is not served by cart; showing all endpoints."),
        "the page says why it shows all endpoints"
    );
    assert!(
        !page.contains("data-testid=\"no-requests\""),
        "the service's requests are shown"
    );
    assert!(page.contains(">/items</a>"), "cart's endpoints are listed");
    assert!(
        !page.contains("<option value=\"/pay\""),
        "the endpoint list no longer offers the other service's endpoint"
    );

    // An endpoint the service serves is kept, without a notice.
    let page = viewer
        .get("/performance?service=cart&endpoint=%2Fitems&range=1h")
        .await
        .text()
        .await
        .expect("page");
    assert!(!page.contains("not served by"), "no notice for a served endpoint");
    assert!(
        page.contains("<option value=\"/items\" selected"),
        "the endpoint stays chosen"
    );
}

#[tokio::test]
async fn a_plain_get_with_empty_fields_is_redirected_to_the_url_without_them() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    for (asked, canonical) in [
        (
            "/performance?service=shop&endpoint=&range=1h&from=&to=",
            "/performance?service=shop&range=1h",
        ),
        ("/health-checks?range=6h&from=&to=", "/health-checks?range=6h"),
        ("/performance?from=&to=", "/performance"),
    ] {
        let response = viewer.get(asked).await;
        assert_eq!(response.status().as_u16(), 303, "{asked}");
        assert_eq!(response.headers()["location"], canonical, "{asked}");
        assert_eq!(
            viewer.get(canonical).await.status().as_u16(),
            200,
            "{canonical} is served"
        );
    }
}
