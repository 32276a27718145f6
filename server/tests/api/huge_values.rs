//! A huge sample value is refused at the door, and a minute whose stored sum
//! is already at the edge of f64 neither refuses later batches nor breaks
//! the series' reads.

use std::collections::BTreeMap;

use chrono::{Duration, DurationRound, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::ingest::{insert_key, post_json};

fn sample(value: f64, ts: &str) -> Value {
    json!({ "service": "checkout", "name": "bytes", "value": value, "kind": "gauge", "ts": ts })
}

#[tokio::test]
async fn a_huge_value_is_refused_by_name_and_other_batches_still_store() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let ts = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    for huge in [1e308, -1.7e308, 1.0000001e300] {
        let body = json!({ "requests": [], "samples": [sample(1.0, &ts), sample(huge, &ts)] });
        let (status, error) = post_json(&app, &key, &body, None).await;
        assert_eq!(status, 400, "{huge}: {error}");
        assert_eq!(error["record"], 1, "{error}");
        assert_eq!(error["list"], "samples", "{error}");
        assert_eq!(error["field"], "value", "{error}");
        assert!(
            error["error"].as_str().is_some_and(|e| e.contains("1e300")),
            "the bound is named: {error}"
        );
    }
    // The bound itself, and a valid batch for the same minute, are stored.
    let body = json!({ "requests": [], "samples": [sample(1e300, &ts), sample(-1e300, &ts), sample(5.0, &ts)] });
    let (status, answer) = post_json(&app, &key, &body, None).await;
    assert_eq!(status, 202, "{answer}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM metric_samples")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 3);
}

#[tokio::test]
async fn a_minute_whose_sum_is_already_huge_does_not_block_later_ingest() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let minute = (Utc::now() - Duration::minutes(2))
        .duration_trunc(Duration::minutes(1))
        .expect("minute");
    let ts = (minute + Duration::seconds(10)).to_rfc3339();
    let (status, answer) = post_json(&app, &key, &json!({ "samples": [sample(1e300, &ts)] }), None).await;
    assert_eq!(status, 202, "{answer}");
    // A minute poisoned before the bound existed: its sum at the edge of f64.
    sqlx::query("UPDATE metric_rollups_1m SET sum = '1.7976931348623157e308'::float8 WHERE name = 'bytes'")
        .execute(&app.db)
        .await
        .expect("poisoned");
    // Later large samples in that minute, with a valid request beside them,
    // are stored (the sum saturates) rather than refused with 503 forever.
    for _ in 0..3 {
        let body = json!({
            "requests": [{ "service": "checkout", "endpoint": "/pay", "method": "GET", "status": 200, "duration_ms": 5.0, "ts": ts }],
            "samples": [sample(1e300, &ts), sample(1e300, &ts)],
        });
        let (status, answer) = post_json(&app, &key, &body, None).await;
        assert_eq!(status, 202, "{answer}");
    }
    let (count, sum): (i64, f64) = sqlx::query_as("SELECT count, sum FROM metric_rollups_1m WHERE name = 'bytes'")
        .fetch_one(&app.db)
        .await
        .expect("rollup");
    assert_eq!((count, sum), (7, f64::MAX));
    // The series still reads, with a finite average.
    let mut conn = app.db.acquire().await.expect("conn");
    let points = app::metrics::ssr::queries::metric_series(
        &mut conn,
        "checkout",
        "bytes",
        &BTreeMap::new(),
        minute,
        minute + Duration::minutes(1),
        Duration::minutes(1),
    )
    .await
    .expect("series reads");
    assert_eq!(points.len(), 1);
    assert!(points[0].avg.is_finite() && points[0].avg > 1e300, "{:?}", points[0]);
    assert_eq!(points[0].max, 1e300);
}
