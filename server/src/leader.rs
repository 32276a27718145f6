//! "Exactly one instance does this": a session-level Postgres advisory lock
//! held on a dedicated connection. The holder keeps the connection (and so
//! the lock) while it works; when it stops or its connection dies, Postgres
//! releases the lock and another instance's next attempt takes over.

use std::future::Future;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};

/// A dedicated connection holding advisory lock `key`, or `None` when
/// another session holds it.
pub async fn try_lock(pool: &PgPool, key: i64) -> sqlx::Result<Option<PgConnection>> {
    // Detached: a session lock must not go back to the pool with its connection.
    let mut conn = pool.acquire().await?.detach();
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut conn)
        .await?;
    Ok(locked.then_some(conn))
}

/// Whether the lock holder's connection is still alive.
pub async fn still_holds(conn: &mut PgConnection) -> bool {
    sqlx::query("SELECT 1").execute(conn).await.is_ok()
}

/// Runs `work` every `every` (a missed tick waits for the next) on the one
/// instance holding lock `key`; the others only try to take it, so when the
/// leader dies another takes over within one interval. `what` names the
/// job in the log. Returns never; abort its task to stop it (the lock goes
/// with the connection).
pub async fn lead_every<F, Fut>(pool: PgPool, key: i64, every: Duration, what: &'static str, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut leader: Option<PgConnection> = None;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Some(conn) = leader.as_mut()
            && !still_holds(conn).await
        {
            tracing::warn!(job = what, "lost the lock connection");
            leader = None;
        }
        if leader.is_none() {
            match try_lock(&pool, key).await {
                Ok(conn) => leader = conn,
                Err(error) => {
                    tracing::warn!(job = what, %error, "could not try the lock");
                    continue;
                }
            }
        }
        if leader.is_some() {
            work().await;
        }
    }
}
