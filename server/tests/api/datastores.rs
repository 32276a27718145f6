//! Opsdeck's own Postgres and Redis read in depth by the leader's collector
//! into metric samples (`opsdeck-postgres`, `opsdeck-redis`): real
//! sessions idle in a transaction and waiting on a lock, real commits, a
//! real slow Redis command; and a dead Redis never holds up Postgres.

use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::{TestApp, closed_port, database_server_url, redis_url};

/// The newest value of `name` (with `labels`, a JSON object) of `service`,
/// waiting up to `within` for one that `ok` accepts.
pub(crate) async fn newest(
    app: &TestApp,
    service: &str,
    name: &str,
    labels: &str,
    ok: impl Fn(f64) -> bool,
) -> Option<f64> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let value: Option<f64> = sqlx::query_scalar(
            "SELECT value FROM metric_samples WHERE service = $1 AND name = $2 AND labels @> $3::jsonb \
             ORDER BY ts DESC LIMIT 1",
        )
        .bind(service)
        .bind(name)
        .bind(labels)
        .fetch_optional(&app.db)
        .await
        .expect("samples");
        if value.is_some_and(&ok) || tokio::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn collecting() -> TestApp {
    TestApp::configure()
        .await
        .set("OPSDECK_COLLECT_SECS", "1")
        .spawn()
        .await
}

#[tokio::test]
async fn postgres_sessions_locks_and_transactions_are_sampled() {
    let app = collecting().await;
    let url = format!("{}/{}", database_server_url(), app.db_name);
    // A session idle in a transaction that holds a lock, and one waiting for it.
    let mut holder = PgConnection::connect(&url).await.expect("connect");
    holder.execute("CREATE TABLE held (id int)").await.expect("create");
    holder
        .execute("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let waiter_url = url.clone();
    let waiter = tokio::spawn(async move {
        let mut waiter = PgConnection::connect(&waiter_url).await.expect("connect");
        let _ = waiter.execute("SELECT count(*) FROM held").await;
    });

    let pg = "opsdeck-postgres";
    let idle = newest(&app, pg, "pg.connections", r#"{"state":"idle_in_transaction"}"#, |v| {
        v >= 1.0
    })
    .await;
    assert!(idle.is_some_and(|v| v >= 1.0), "idle in transaction: {idle:?}");
    let longest = newest(&app, pg, "pg.idle_in_transaction.longest_s", "{}", |v| v > 0.5).await;
    assert!(
        longest.is_some_and(|v| v > 0.5),
        "longest idle in transaction: {longest:?}"
    );
    let waiting = newest(&app, pg, "pg.locks.waiting", "{}", |v| v >= 1.0).await;
    assert!(waiting.is_some_and(|v| v >= 1.0), "waiting locks: {waiting:?}");
    let blocked = newest(&app, pg, "pg.sessions.blocked", "{}", |v| v >= 1.0).await;
    assert!(blocked.is_some_and(|v| v >= 1.0), "blocked sessions: {blocked:?}");
    holder.execute("ROLLBACK").await.expect("unlock");
    waiter.await.expect("the waiter got its answer");

    // Counters become rates from the second reading on; this database commits.
    let commits = newest(&app, pg, "pg.commits_per_s", "{}", |v| v > 0.0).await;
    assert!(commits.is_some_and(|v| v > 0.0), "commits/s: {commits:?}");
    let ratio = newest(&app, pg, "pg.cache_hit_ratio", "{}", |_| true).await;
    assert!(
        ratio.is_some_and(|v| (0.0..=1.0).contains(&v)),
        "cache hit ratio: {ratio:?}"
    );
    let size_labels = format!(r#"{{"database":"{}"}}"#, app.db_name);
    let size = newest(&app, pg, "pg.database.size_bytes", &size_labels, |v| v > 0.0).await;
    assert!(size.is_some_and(|v| v > 1_000_000.0), "database size: {size:?}");
    let used = newest(&app, pg, "pg.connections.used_pct", "{}", |v| v > 0.0).await;
    assert!(
        used.is_some_and(|v| v > 0.0 && v <= 100.0),
        "connections used: {used:?}"
    );
    let wraparound = newest(&app, pg, "pg.wraparound_pct", "{}", |_| true).await;
    assert!(wraparound.is_some_and(|v| (0.0..100.0).contains(&v)), "{wraparound:?}");
    assert_eq!(newest(&app, pg, "pg.up", "{}", |_| true).await, Some(1.0));
}

#[tokio::test]
async fn redis_memory_clients_ops_and_new_slow_log_entries_are_sampled() {
    let app = collecting().await;
    let rd = "opsdeck-redis";
    assert_eq!(newest(&app, rd, "redis.up", "{}", |_| true).await, Some(1.0));
    let memory = newest(&app, rd, "redis.memory.used_bytes", "{}", |v| v > 0.0).await;
    assert!(memory.is_some_and(|v| v > 0.0), "{memory:?}");
    let clients = newest(&app, rd, "redis.clients.connected", "{}", |v| v >= 1.0).await;
    assert!(clients.is_some_and(|v| v >= 1.0), "{clients:?}");
    let ops = newest(&app, rd, "redis.ops_per_s", "{}", |v| v > 0.0).await;
    assert!(ops.is_some_and(|v| v > 0.0), "ops/s: {ops:?}");

    // A command slower than the slow log's 10 ms threshold: a script that
    // spins for 30 ms (DEBUG SLEEP is disabled on stock Redis 7).
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    newest(&app, rd, "redis.slowlog.new", "{}", |_| true).await;
    let spin = "local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]; \
                repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 30000; return 1";
    let _: i64 = redis::cmd("EVAL")
        .arg(spin)
        .arg(0)
        .query_async(&mut conn)
        .await
        .expect("eval");
    let new = newest(&app, rd, "redis.slowlog.new", "{}", |v| v >= 1.0).await;
    assert!(
        new.is_some_and(|v| v >= 1.0),
        "the slow script is a new slow-log entry: {new:?}"
    );
}

#[tokio::test]
async fn a_dead_redis_is_sampled_down_and_postgres_is_read_all_the_same() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_COLLECT_SECS", "1")
        .set("OPSDECK_ALERT_EVAL_SECS", "1")
        .set("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
        .spawn()
        .await;
    assert_eq!(
        newest(&app, "opsdeck-redis", "redis.up", "{}", |_| true).await,
        Some(0.0)
    );
    assert_eq!(
        newest(&app, "opsdeck-postgres", "pg.up", "{}", |_| true).await,
        Some(1.0)
    );

    // The default rule warns of it on a fresh install; Postgres's stays quiet.
    let state = |rule: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT s.state FROM alert_states s JOIN alert_rules r ON r.id = s.rule_id WHERE r.name = $1",
            )
            .bind(rule)
            .fetch_optional(&db)
            .await
            .expect("alert state")
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while state("Redis unreadable").await.as_deref() != Some("firing") && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(state("Redis unreadable").await.as_deref(), Some("firing"));
    assert_ne!(state("Postgres unreadable").await.as_deref(), Some("firing"));
}
