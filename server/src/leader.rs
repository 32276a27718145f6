//! "Exactly one instance does this": a session-level Postgres advisory lock
//! held on a dedicated connection. The holder keeps the connection (and so
//! the lock) while it works; when it stops or its connection dies, Postgres
//! releases the lock and another instance's next attempt takes over.

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
