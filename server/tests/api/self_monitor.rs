//! Opsdeck watches itself: its own requests and health checks land in the
//! metrics tables as service `opsdeck`, and `/metrics` speaks Prometheus.

use std::time::Duration;

use crate::helpers::TestApp;

/// Polls `sql` (a count) until it reaches `at_least` or `within` passes.
async fn eventually(app: &TestApp, sql: &str, at_least: i64, within: Duration) -> i64 {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let count: i64 = sqlx::query_scalar(sql).fetch_one(&app.db).await.expect("count");
        if count >= at_least || tokio::time::Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn own_requests_and_health_checks_are_stored_as_service_opsdeck() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SELF_MONITOR_SECS", "1")
        .spawn()
        .await;
    for _ in 0..3 {
        assert_eq!(app.get("/login").await.status().as_u16(), 200);
        assert_eq!(app.get("/health").await.status().as_u16(), 200);
    }
    let login =
        "SELECT count(*) FROM request_events WHERE service = 'opsdeck' AND endpoint = '/login' AND method = 'GET'";
    assert_eq!(eventually(&app, login, 3, Duration::from_secs(8)).await, 3);
    let rollup = "SELECT coalesce(sum(count), 0)::bigint FROM request_rollups_1m WHERE service = 'opsdeck' AND endpoint = '/login'";
    assert_eq!(eventually(&app, rollup, 3, Duration::from_secs(1)).await, 3);
    let probes = "SELECT count(*) FROM request_events WHERE endpoint IN ('/health', '/ready', '/metrics')";
    assert_eq!(
        eventually(&app, probes, 0, Duration::ZERO).await,
        0,
        "probes are not recorded"
    );
    let health =
        "SELECT count(*) FROM metric_samples WHERE service = 'opsdeck' AND name = 'health.database.response_ms'";
    assert!(eventually(&app, health, 1, Duration::from_secs(5)).await > 0);
    let up: f64 = sqlx::query_scalar(
        "SELECT max(value) FROM metric_samples WHERE service = 'opsdeck' AND name = 'health.redis.up'",
    )
    .fetch_one(&app.db)
    .await
    .expect("redis up sample");
    assert_eq!(up, 1.0);
}

#[tokio::test]
async fn metrics_are_in_the_prometheus_text_format() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/no/such/page").await.status().as_u16(), 303);
    let response = app.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.expect("body");
    let mut samples = 0;
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("name{labels} value");
        assert!(value.parse::<f64>().is_ok(), "value of {line}");
        let name = series.split('{').next().unwrap_or_default();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "name of {line}"
        );
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(
                labels.starts_with('{') && labels.ends_with('}') && labels.contains("=\""),
                "labels of {line}"
            );
        }
        samples += 1;
    }
    assert!(samples >= 10, "{text}");
    let redirects: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix("opsdeck_http_requests_total{class=\"3xx\"} "))
        .and_then(|v| v.parse().ok())
        .expect("3xx counter");
    assert!(redirects >= 1.0);
}
