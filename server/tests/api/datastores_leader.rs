//! One instance collects the data stores, and another takes over when it
//! dies: two `opsdeck serve` processes share a database; only one holds the
//! collector's lock, and once the first is killed the samples go on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use opsdeck::workers::store_collector::COLLECTOR_LOCK;

use crate::alerting::advisory_lock_holders;
use crate::frozen_leader::{serve_with, signal};
use crate::helpers::{database_server_url, fresh_database};

async fn newest_sample(pool: &PgPool) -> Option<DateTime<Utc>> {
    sqlx::query_scalar("SELECT max(ts) FROM metric_samples WHERE service = 'opsdeck-postgres' AND name = 'pg.up'")
        .fetch_one(pool)
        .await
        .expect("samples readable")
}

/// Waits up to `within` for a `pg.up` sample newer than `after`.
async fn sample_after(pool: &PgPool, after: DateTime<Utc>, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if newest_sample(pool).await.is_some_and(|at| at > after) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

async fn lock_holders(pool: &PgPool) -> usize {
    advisory_lock_holders(pool, COLLECTOR_LOCK).await.len()
}

#[tokio::test]
async fn the_collector_runs_on_one_instance_and_another_takes_over_when_it_dies() {
    let database = fresh_database().await;
    let pool = PgPool::connect(&format!("{}/{database}", database_server_url()))
        .await
        .expect("test database reachable");
    let prefix = format!("test:{}:", Uuid::new_v4());
    let collecting = [("OPSDECK_COLLECT_SECS", "1")];
    let first = serve_with(&database.name, &prefix, &collecting);
    assert!(
        sample_after(&pool, DateTime::UNIX_EPOCH, Duration::from_secs(60)).await,
        "the first instance collects"
    );
    let second = serve_with(&database.name, &prefix, &collecting);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(lock_holders(&pool).await, 1, "one collector for two instances");

    signal(&first, "KILL");
    let killed_at = Utc::now();
    assert!(
        sample_after(&pool, killed_at + chrono::Duration::seconds(1), Duration::from_secs(30)).await,
        "the second instance took over"
    );
    assert_eq!(lock_holders(&pool).await, 1);
    drop(second);
}
