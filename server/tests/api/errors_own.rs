//! Opsdeck's own failures become error events of service `opsdeck`: a 500
//! answer (not a deliberate 503), and a panic inside a handler (answered as
//! a plain 500), through the same layers the app's router uses.

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

/// A server on a free port answering with `router` behind the app's own-failure layers.
async fn serve(app: &TestApp, router: Router) -> std::net::SocketAddr {
    let state = Application::state_for_cli(app.sibling().config()).await.expect("state");
    let (failures, receiver) = tokio::sync::mpsc::channel(BUFFER);
    let worker = spawn(state, receiver);
    let router = opsdeck::http::own_failures::layer(router, failures);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _worker = worker;
        axum::serve(listener, router).await
    });
    address
}

#[tokio::test]
async fn a_500_answer_becomes_an_error_event_of_opsdeck_and_a_deliberate_503_does_not() {
    let app = TestApp::spawn().await;
    let router = Router::new()
        .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/busy", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let address = serve(&app, router).await;
    for path in ["/busy", "/broken", "/busy", "/broken"] {
        reqwest::get(format!("http://{address}{path}")).await.expect("answered");
    }
    let events = own_events(&app, 2).await;
    assert_eq!(
        events.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
        ["GET /broken", "GET /broken"],
        "the 503s are load shedding, not faults"
    );
    assert_eq!(
        (events[1].0.as_str(), events[1].2.as_str(), events[1].3),
        ("GET /broken answered 500 Internal Server Error", "error", 2),
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
    let address = serve(&app, router).await;

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
