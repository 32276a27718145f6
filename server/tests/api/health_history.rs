//! The Health page: the stored `/ready` samples as numbers, a chart and the
//! stretches of time a check was degraded or down.

use std::collections::BTreeMap;
use std::time::Duration;

use app::auth::permissions::Role;
use app::metrics::ssr::store::store_batch;
use app::metrics::{IngestBatch, MetricKind, MetricSample};
use chrono::{DateTime, DurationRound, Utc};

use crate::helpers::TestApp;

fn sample(name: &str, value: f64, ts: DateTime<Utc>) -> MetricSample {
    MetricSample {
        service: "opsdeck".into(),
        name: name.into(),
        value,
        labels: BTreeMap::new(),
        ts,
        kind: MetricKind::Gauge,
    }
}

async fn store(app: &TestApp, samples: Vec<MetricSample>) {
    let mut tx = app.db.begin().await.expect("begin");
    let batch = IngestBatch {
        requests: Vec::new(),
        samples,
    };
    store_batch(&mut tx, &batch).await.expect("samples stored");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_fresh_install_shows_its_own_checks_as_healthy() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SELF_MONITOR_SECS", "1")
        .spawn()
        .await;
    let sql = "SELECT count(*) FROM metric_samples WHERE name = 'health.redis.up'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db)
        .await
        .expect("count")
        == 0
    {
        assert!(tokio::time::Instant::now() < deadline, "no health sample stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let response = viewer.get("/health-checks?range=15m").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.expect("page");
    for expected in [
        "Postgres",
        "Redis",
        r#"data-testid="health-database-numbers""#,
        r#"data-testid="health-redis-numbers""#,
        "Postgres was never degraded or down in this time range.",
        "Redis was never degraded or down in this time range.",
    ] {
        assert!(page.contains(expected), "page lacks {expected}");
    }
}

#[tokio::test]
async fn a_slow_then_failed_check_is_listed_with_its_worst_state() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SELF_MONITOR_SECS", "0")
        .spawn()
        .await;
    let minute = Utc::now().duration_trunc(chrono::Duration::minutes(1)).expect("minute");
    let at = |minutes_ago: i64| minute - chrono::Duration::minutes(minutes_ago) + chrono::Duration::seconds(5);
    let mut samples = Vec::new();
    for (ago, up, ms) in [(12, 1.0, 3.0), (11, 0.5, 1400.0), (10, 0.0, 3000.0), (9, 1.0, 2.0)] {
        samples.push(sample("health.redis.up", up, at(ago)));
        samples.push(sample("health.redis.response_ms", ms, at(ago)));
        samples.push(sample("health.database.up", 1.0, at(ago)));
        samples.push(sample("health.database.response_ms", 4.0, at(ago)));
    }
    store(&app, samples).await;

    let (manager, _) = app.signed_in(Role::Manager).await;
    let page = manager.get("/health-checks?range=1h").await.text().await.expect("page");
    let redis = page
        .split(r#"data-testid="health-redis""#)
        .nth(1)
        .expect("redis section");
    let incidents = redis
        .split(r#"data-testid="incidents""#)
        .nth(1)
        .expect("redis incidents table");
    let from = (minute - chrono::Duration::minutes(11))
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    let to = (minute - chrono::Duration::minutes(9))
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    assert!(incidents.contains(&from), "incident starts at {from}");
    assert!(incidents.contains(&to), "incident ends at {to}");
    assert!(incidents.contains("2 min"));
    assert!(incidents.contains("badge-down"), "worst state is down");
    // 2 of 4 sampled minutes had a problem.
    assert!(redis.contains("50.0 %"), "availability shown");
    let database = page
        .split(r#"data-testid="health-database""#)
        .nth(1)
        .expect("database section");
    let database = database
        .split(r#"data-testid="health-redis""#)
        .next()
        .unwrap_or_default();
    assert!(database.contains("Postgres was never degraded or down"));
}

#[tokio::test]
async fn a_bad_range_is_explained_not_failed() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let response = viewer
        .get("/health-checks?range=custom&from=2026-01-02&to=2026-01-01")
        .await;
    let page = response.text().await.expect("page");
    assert!(page.contains("Could not load the health history"), "{page}");
    assert!(page.contains("Must be after"), "names what is wrong");
}
