//! "Exactly one instance does this": a session-level Postgres advisory lock
//! held on a dedicated connection. The holder keeps the connection (and so
//! the lock) while it works; when it stops or its connection dies, Postgres
//! releases the lock and another instance's next attempt takes over.
//!
//! A leader that is alive but makes no progress (SIGSTOP, a stalled VM, a
//! wedged runtime) kept its connection open, and so the lock, for as long
//! as it was frozen: no alert evaluation, backups or retention anywhere.
//! So the lock's session carries a *lease*: Postgres ends it after `lease`
//! without a word from the holder (`idle_session_timeout`, and
//! `idle_in_transaction_session_timeout` inside a transaction), which
//! releases the lock. A working leader speaks on the connection at least
//! every lease / 3 — before each round and while work runs — and a leader
//! that wakes up after its lease lapsed finds its connection gone at its
//! next check and does no further round (its lock is another's by then).

use std::future::Future;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};

/// Shortest lease (tests evaluate every second; a busy machine must not
/// take leadership from a live leader).
const MIN_LEASE: Duration = Duration::from_secs(5);

/// The lease of a job whose rounds start every `every`: three missed rounds.
pub fn lease_for(every: Duration) -> Duration {
    (every * 3).max(MIN_LEASE)
}

/// A dedicated connection holding advisory lock `key`, or `None` when
/// another session holds it. Postgres ends the session (releasing the lock)
/// after `lease` without a query from the holder.
pub async fn try_lock(pool: &PgPool, key: i64, lease: Duration) -> sqlx::Result<Option<PgConnection>> {
    let mut pooled = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut *pooled)
        .await?;
    if !locked {
        // A follower tries every round: its connection holds nothing and
        // goes back to the pool (detaching it each time opened ~41 new
        // Postgres connections a minute).
        return Ok(None);
    }
    // Detached: a session lock must not go back to the pool with its connection.
    let mut conn = pooled.detach();
    let millis = lease.as_millis().min(i32::MAX as u128).to_string();
    for setting in ["idle_session_timeout", "idle_in_transaction_session_timeout"] {
        // SET takes no bind parameters; set_config does.
        sqlx::query("SELECT set_config($1, $2, false)")
            .bind(setting)
            .bind(&millis)
            .execute(&mut conn)
            .await?;
    }
    Ok(Some(conn))
}

/// Whether the lock holder's connection is still alive (and so still holds
/// the lock: a session lock lives as long as its session). Also renews the
/// lease.
pub async fn still_holds(conn: &mut PgConnection) -> bool {
    sqlx::query("SELECT 1").execute(conn).await.is_ok()
}

/// Runs `work` every `every` (a missed tick waits for the next) on the one
/// instance holding lock `key`; the others only try to take it, so when the
/// leader dies or freezes another takes over within its lease
/// ([`lease_for`]) and one interval. `what` names the job in the log.
/// Returns never; abort its task to stop it (the lock goes with the
/// connection).
pub async fn lead_every<F, Fut>(pool: PgPool, key: i64, every: Duration, what: &'static str, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let lease = lease_for(every);
    let mut leader: Option<PgConnection> = None;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Some(conn) = leader.as_mut()
            && !still_holds(conn).await
        {
            tracing::warn!(job = what, "lost the lock connection (its lease may have lapsed)");
            leader = None;
        }
        if leader.is_none() {
            match try_lock(&pool, key, lease).await {
                Ok(conn) => leader = conn,
                Err(error) => {
                    tracing::warn!(job = what, %error, "could not try the lock");
                    continue;
                }
            }
        }
        if let Some(conn) = leader.as_mut()
            && !work_renewing(conn, lease, work()).await
        {
            tracing::warn!(job = what, "lost the lock connection while working");
            leader = None;
        }
    }
}

/// Runs `work`, renewing the lease on `conn` every lease / 3 meanwhile, so
/// a round longer than the lease does not lose the lock. `false` when the
/// connection died on the way.
async fn work_renewing(conn: &mut PgConnection, lease: Duration, work: impl Future<Output = ()>) -> bool {
    let mut work = std::pin::pin!(work);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + lease / 3, lease / 3);
    let mut alive = true;
    loop {
        tokio::select! {
            () = &mut work => return alive,
            _ = renew.tick(), if alive => alive = still_holds(conn).await,
        }
    }
}
