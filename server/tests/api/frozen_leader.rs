//! A frozen leader loses leadership: two `opsdeck serve` processes share a
//! database; the one evaluating alerts is stopped with SIGSTOP, and the
//! other takes over once the frozen one's lease lapses. When the frozen one
//! wakes up it finds its lock gone and does not take it back.

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::helpers::{TEST_AUDIT_KEY, database_server_url, fresh_database, redis_url};

fn serve(database: &str, prefix: &str) -> Child {
    serve_with(database, prefix, &[])
}

/// `opsdeck serve` on `database` with Redis prefix `prefix`, its alert
/// evaluator every second, and `vars` set besides; killed when dropped.
pub fn serve_with(database: &str, prefix: &str, vars: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("serve")
        .env("DATABASE_URL", format!("{}/{database}", database_server_url()))
        .env("REDIS_URL", redis_url())
        .env("OPSDECK_ADDR", "127.0.0.1:0")
        .env("OPSDECK_REDIS_PREFIX", prefix)
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_SELF_MONITOR_SECS", "0")
        .env("OPSDECK_ALERT_EVAL_SECS", "1")
        .env(
            "OPSDECK_BACKUP_DIR",
            std::env::temp_dir().join(format!("opsdeck-test-backups-{}", Uuid::new_v4().simple())),
        )
        .envs(vars.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("opsdeck serve starts")
}

pub fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// The newest evaluation of any rule.
async fn last_evaluation(pool: &PgPool) -> Option<DateTime<Utc>> {
    sqlx::query_scalar("SELECT max(evaluated_at) FROM alert_states")
        .fetch_one(pool)
        .await
        .expect("alert_states readable")
}

/// Waits until an evaluation newer than `after` is stored; how long it took.
async fn evaluation_after(pool: &PgPool, after: DateTime<Utc>, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if last_evaluation(pool).await.is_some_and(|at| at > after) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn evaluator_lock_holders(pool: &PgPool) -> i64 {
    crate::alerting::lock_holders(pool).await.len() as i64
}

#[tokio::test]
async fn a_sigstopped_leader_is_replaced_and_does_not_come_back() {
    let database = fresh_database().await;
    let pool = PgPool::connect(&format!("{}/{database}", database_server_url()))
        .await
        .expect("test database reachable");
    sqlx::query("UPDATE alert_rules SET enabled = true WHERE name = 'Redis down'")
        .execute(&pool)
        .await
        .expect("a rule to evaluate");
    let prefix = format!("test:{}:", Uuid::new_v4());

    // The first instance alone: it becomes the leader and evaluates.
    let first = serve(&database, &prefix);
    let started = Utc::now();
    evaluation_after(&pool, started, Duration::from_secs(30))
        .await
        .expect("the first instance evaluates");
    let second = serve(&database, &prefix);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(evaluator_lock_holders(&pool).await, 1);

    // Frozen: the second instance takes over once the lease (5 s at one
    // evaluation a second) lapses.
    signal(&first, "STOP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let frozen_at = Utc::now();
    let took_over = evaluation_after(&pool, frozen_at, Duration::from_secs(20)).await;
    println!("leader frozen: evaluations resumed after {took_over:?}");
    let took_over = took_over.expect("another instance evaluates while the leader is frozen");
    assert!(took_over < Duration::from_secs(12), "{took_over:?}");

    // Woken up, the old leader finds its lock gone; still one evaluator.
    signal(&first, "CONT");
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(evaluator_lock_holders(&pool).await <= 1, "two evaluators");
    }
    assert_eq!(evaluator_lock_holders(&pool).await, 1);
    let resumed = Utc::now();
    evaluation_after(&pool, resumed, Duration::from_secs(10))
        .await
        .expect("evaluations go on");
    drop((first, second));
}
