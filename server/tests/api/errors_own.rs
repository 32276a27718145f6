//! Opsdeck's own failures become error events of service `opsdeck`: a 5xx
//! answer of the running app, and a panic inside a handler (answered as a
//! plain 500), through the same layers the app's router uses.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use opsdeck::Application;
use opsdeck::workers::own_errors::{BUFFER, spawn};

use crate::helpers::TestApp;

/// Waits up to 10 s for `n` events of service `opsdeck`; returns their
/// (title, culprit, level, issue's event count), oldest first.
async fn own_events(app: &TestApp, n: usize) -> Vec<(String, String, String, i64)> {
    for _ in 0..100 {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT i.title, e.culprit, e.level, i.event_count FROM error_events e \
             JOIN error_issues i ON i.id = e.issue_id WHERE e.service = 'opsdeck' ORDER BY e.received_at",
        )
        .fetch_all(&app.db)
        .await
        .expect("events");
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} own error events after 10 s");
}

#[tokio::test]
async fn a_5xx_answer_becomes_an_error_event_of_opsdeck() {
    let app = TestApp::without_redis().await;
    for _ in 0..2 {
        assert_eq!(app.get("/ready").await.status(), 503);
    }
    let events = own_events(&app, 2).await;
    assert_eq!(
        events[1],
        (
            "GET /ready answered 503 Service Unavailable".to_string(),
            "GET /ready".to_string(),
            "error".to_string(),
            2
        ),
        "both grouped in one issue"
    );
    let project: String = sqlx::query_scalar("SELECT service FROM error_projects")
        .fetch_one(&app.db)
        .await
        .expect("the opsdeck project, created on demand");
    assert_eq!(project, "opsdeck");
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(metrics.contains("opsdeck_own_errors_dropped_total"), "{metrics}");
}

#[tokio::test]
async fn a_panic_in_a_handler_is_a_plain_500_and_an_error_event() {
    let app = TestApp::spawn().await;
    let state = Application::state_for_cli(app.sibling().config()).await.expect("state");
    let (failures, receiver) = tokio::sync::mpsc::channel(BUFFER);
    let _worker = spawn(state, receiver);
    let router = Router::new()
        .route(
            "/orders/{id}",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("order 42 has no lines");
                }
                StatusCode::OK
            }),
        )
        .route("/fine", get(|| async { "fine" }));
    let router = opsdeck::http::own_failures::layer(router, failures);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });

    for order in [7, 8] {
        let response = reqwest::get(format!("http://{address}/orders/{order}"))
            .await
            .expect("answered");
        assert_eq!(response.status(), 500);
        let body = response.text().await.expect("body");
        assert!(
            !body.contains("order 42") && !body.contains("panicked"),
            "no panic text: {body}"
        );
    }
    let fine = reqwest::get(format!("http://{address}/fine")).await.expect("answered");
    assert_eq!(fine.status(), 200);
    let events = own_events(&app, 2).await;
    assert_eq!(
        events[1],
        (
            "panic: order 42 has no lines".to_string(),
            "GET /orders/{id}".to_string(),
            "fatal".to_string(),
            2
        )
    );
}
