use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn liveness_answers_up() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!((status, body), (200, json!({ "status": "up" })));
}

#[tokio::test]
async fn ready_reports_both_services_up() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "up");
    for service in ["database", "redis"] {
        let check = &body["services"][service];
        assert_eq!(check["status"], "up", "{service}: {check}");
        assert_eq!(check["message"], "Connected");
        assert!(
            check["responseTime"].as_u64().is_some(),
            "{service} responseTime is a number: {check}"
        );
    }
}

#[tokio::test]
async fn ready_is_degraded_when_checks_exceed_the_threshold() {
    let app = TestApp::configure().await.set("OPSDECK_DEGRADED_MS", "0").spawn().await;
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200, "degraded is still usable: {body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["services"]["database"]["status"], "degraded");
    assert_eq!(body["services"]["database"]["message"], "Slow response");
    assert_eq!(body["services"]["redis"]["status"], "degraded");
}

#[tokio::test]
async fn ready_is_down_with_503_when_redis_is_unreachable() {
    let app = TestApp::without_redis().await;
    let started = std::time::Instant::now();
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "down");
    assert_eq!(body["services"]["redis"]["status"], "down");
    assert_eq!(body["services"]["redis"]["message"], "Connection failed");
    assert_eq!(body["services"]["database"]["status"], "up");
    assert!(
        started.elapsed().as_secs() < 5,
        "a refused connection is reported promptly"
    );
    // Opsdeck itself keeps serving.
    assert_eq!(app.get_json("/health").await.0, 200);
}

#[tokio::test]
async fn ready_reports_the_database_down_when_it_goes_away_and_never_leaks_details() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_CHECK_TIMEOUT_MS", "1500")
        .spawn()
        .await;
    assert_eq!(app.get_json("/ready").await.0, 200);

    let mut admin = sqlx::PgConnection::connect_with_default().await;
    sqlx::Executor::execute(
        &mut admin,
        format!(r#"DROP DATABASE "{}" WITH (FORCE)"#, app.db_name).as_str(),
    )
    .await
    .expect("drop the app's database under it");

    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["services"]["database"]["status"], "down");
    let message = body["services"]["database"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains(&app.db_name),
        "the database name stays in the log: {message}"
    );
    assert_eq!(body["services"]["redis"]["status"], "up");
}

trait ConnectDefault {
    async fn connect_with_default() -> sqlx::PgConnection;
}

impl ConnectDefault for sqlx::PgConnection {
    async fn connect_with_default() -> sqlx::PgConnection {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&format!("{}/postgres", crate::helpers::database_server_url()))
            .await
            .expect("Postgres reachable")
    }
}
