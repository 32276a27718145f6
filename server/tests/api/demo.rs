//! `opsdeck demo`: generated traffic goes through the real ingest API and
//! is stored under `demo-…` services.

use std::time::Duration;

use crate::helpers::TestApp;
use crate::ingest::insert_key;

#[tokio::test]
async fn demo_traffic_is_accepted_and_stored_under_demo_services() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest", "logs"]).await;
    opsdeck::cli::demo::send_until(&app.address, &key, tokio::time::sleep(Duration::from_millis(2500)))
        .await
        .expect("the demo runs and stops");
    // Its services' log lines went through the log door too.
    let logged: Vec<String> = sqlx::query_scalar("SELECT DISTINCT service FROM log_lines ORDER BY 1")
        .fetch_all(&app.db)
        .await
        .expect("logged services");
    assert!(!logged.is_empty(), "log lines were stored");
    assert!(logged.iter().all(|s| s.starts_with("demo-")), "{logged:?}");
    let services: Vec<String> = sqlx::query_scalar("SELECT DISTINCT service FROM request_events ORDER BY 1")
        .fetch_all(&app.db)
        .await
        .expect("services");
    assert!(!services.is_empty(), "requests were stored");
    assert!(services.iter().all(|s| s.starts_with("demo-")), "{services:?}");
    let samples: i64 = sqlx::query_scalar("SELECT count(*) FROM metric_samples WHERE name = 'cpu_percent'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert!(samples >= 4, "{samples}");

    // The Overview and the Performance page say that this is demo data.
    let (viewer, _) = app.signed_in(app::auth::permissions::Role::Viewer).await;
    let overview = viewer.get("/").await.text().await.expect("overview");
    assert!(
        overview.contains(r#"data-testid="demo-note""#),
        "Overview labels the demo data"
    );
    assert!(overview.contains("badge-demo"), "each demo tile is labelled");
    let performance = viewer.get(&format!("/performance?service={}", services[0])).await;
    assert!(performance.text().await.expect("page").contains("badge-demo"));
}

#[tokio::test]
async fn real_services_carry_no_demo_label() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let batch = serde_json::json!({"requests": [{"service": "checkout", "endpoint": "/pay", "method": "POST", "status": 200, "duration_ms": 12.0}]});
    let response = app
        .client
        .post(format!("{}/api/v1/ingest", app.address))
        .bearer_auth(&key)
        .json(&batch)
        .send()
        .await
        .expect("ingest");
    assert_eq!(response.status().as_u16(), 202);
    let (viewer, _) = app.signed_in(app::auth::permissions::Role::Viewer).await;
    let overview = viewer.get("/").await.text().await.expect("overview");
    assert!(overview.contains("checkout"));
    assert!(!overview.contains("demo-note") && !overview.contains("badge-demo"));
}

#[tokio::test]
async fn a_key_without_the_logs_scope_still_sends_the_traffic() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    opsdeck::cli::demo::send_until(&app.address, &key, tokio::time::sleep(Duration::from_millis(2500)))
        .await
        .expect("the demo runs and stops");
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert!(requests > 0, "traffic is stored without the logs scope");
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM log_lines WHERE service LIKE 'demo-%'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(lines, 0);
}

#[tokio::test]
async fn demo_stops_with_a_clear_error_on_a_refused_key() {
    let app = TestApp::spawn().await;
    let error = opsdeck::cli::demo::send_until(&app.address, "odk_not_a_real_key", std::future::pending())
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("refused the key"), "{error}");
}
