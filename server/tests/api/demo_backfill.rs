//! `opsdeck demo`'s backfill: past demo traffic in the rollups (what the
//! charts, rules and reports read), past deployments, the demo rules'
//! history; once per database, resumed where it stopped.

use chrono::{Duration, DurationRound, Utc};
use opsdeck::cli::demo::backfill;
use opsdeck::startup::Application;

use crate::helpers::TestApp;

/// What the backfill left: (requests in the hourly rollups, deployments, alert events).
async fn stored(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT coalesce(sum(count), 0)::bigint FROM service_rollups_1h WHERE service LIKE 'demo-%'), \
                (SELECT count(*) FROM deployments WHERE service LIKE 'demo-%'), \
                (SELECT count(*) FROM alert_events)",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts")
}

#[tokio::test]
async fn the_backfill_stores_past_demo_traffic_once_and_resumes_where_it_stopped() {
    let app = TestApp::spawn().await;
    let state = Application::state_for_cli(app.sibling().config()).await.expect("state");
    opsdeck::cli::demo::ensure_demo_rules(&state).await;
    // Three days end at the start of today: every demo service deploys once in them.
    let now = Utc::now().duration_trunc(Duration::days(1)).expect("midnight");
    let started = std::time::Instant::now();
    let first = backfill::run(&state, 3, now).await.expect("backfilled");
    println!("{first:?} in {:?}", started.elapsed());
    assert_eq!(first.hours, 72);
    assert_eq!(
        first.deployments, 4,
        "each of the four services deploys every three days"
    );
    let (requests, deployments, events) = stored(&app).await;
    assert_eq!(requests as u64, first.requests, "every request is in the rollups");
    assert!(requests > 100_000, "three days of traffic: {requests}");
    assert_eq!(deployments, 4);
    assert_eq!(events as usize, first.alert_events);

    // The minute tier has the same requests, spread over every hour of the window.
    let (minutes, hours): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT minute), count(DISTINCT date_trunc('hour', minute)) FROM service_rollups_1m \
         WHERE service = 'demo-catalog' AND minute >= $1 AND minute < $2",
    )
    .bind(now - Duration::days(3))
    .bind(now)
    .fetch_one(&app.db)
    .await
    .expect("minutes");
    assert_eq!(hours, 72, "{minutes} minutes");
    assert!(minutes > 72 * 55, "almost every minute has requests: {minutes}");

    // A second run (a restart of the demo) adds nothing.
    let again = backfill::run(&state, 3, now + Duration::hours(5))
        .await
        .expect("second run");
    assert_eq!(again, backfill::Backfilled::default());
    assert_eq!(stored(&app).await, (requests, deployments, events));

    // An interrupted backfill resumes from the hour it reached.
    sqlx::query("UPDATE demo_backfill SET done_through = until_ts - interval '1 hour', finished_at = NULL")
        .execute(&app.db)
        .await
        .expect("interrupted");
    let resumed = backfill::run(&state, 3, now).await.expect("resumed");
    assert_eq!(resumed.hours, 1, "{resumed:?}");
    let (after, _, events_after) = stored(&app).await;
    assert_eq!(after as u64, requests as u64 + resumed.requests);
    assert_eq!(
        events_after as usize, resumed.alert_events,
        "the history is written anew, not twice"
    );
}

#[tokio::test]
async fn no_backfill_is_asked_for_none_is_made() {
    let app = TestApp::spawn().await;
    let state = Application::state_for_cli(app.sibling().config()).await.expect("state");
    assert_eq!(
        backfill::run(&state, 0, Utc::now()).await.expect("nothing"),
        backfill::Backfilled::default()
    );
    assert_eq!(stored(&app).await, (0, 0, 0));
}
