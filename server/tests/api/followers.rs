//! A follower instance tries each leader-only job's lock every round; those
//! tries reuse pooled connections instead of opening a new Postgres session
//! each time (one follower used to open ~41 sessions a minute).

use std::time::Duration;

use crate::helpers::TestApp;

/// Sessions ever opened to the test's database (Postgres counts them).
async fn sessions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT sessions FROM pg_stat_database WHERE datname = $1")
        .bind(&app.db_name)
        .fetch_one(&app.db)
        .await
        .expect("pg_stat_database readable")
}

/// New sessions opened during `window` once both instances are running.
async fn sessions_during(app: &TestApp, window: Duration) -> i64 {
    // Let start-up's connections open and their counts reach the statistics.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = sessions(app).await;
    tokio::time::sleep(window).await;
    // A session's start is counted in the statistics within about a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sessions(app).await - before
}

#[tokio::test]
async fn a_follower_opens_no_new_database_sessions_to_try_for_leadership() {
    let leader = TestApp::configure()
        .await
        .set("OPSDECK_ALERT_EVAL_SECS", "1")
        .spawn()
        .await;
    // Started second, so it follows: the leader holds every job's lock.
    let follower = leader.sibling().spawn().await;
    let window = Duration::from_secs(10);
    let opened = sessions_during(&leader, window).await;
    println!("two instances (evaluating every second) opened {opened} database sessions in {window:?}");
    // Each of the follower's ~10 evaluator tries used to open (and close) a session.
    assert!(opened <= 2, "{opened} new sessions in {window:?}");
    drop(follower);
}
