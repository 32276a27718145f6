//! Where the tests' and benchmarks' Postgres and Redis are (the variables the
//! test command sets, or the local defaults), and creating and dropping a
//! private database on that server. Shared by `tests/api/helpers.rs` and
//! `benches/common/mod.rs` (each includes this file with `#[path]`).

use sqlx::{Connection, Executor, PgConnection};

/// `name`'s value, or `default` when it is unset or empty.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// The Postgres server's URL without a database name.
pub fn database_server_url() -> String {
    let url = env_or("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdeck");
    // Drop the database name (and any query) to get the server's address.
    match url.rfind('/') {
        Some(slash) if slash > "postgres://".len() => url[..slash].to_string(),
        _ => url,
    }
}

pub fn redis_url() -> String {
    env_or("REDIS_URL", "redis://127.0.0.1:6379")
}

/// A connection to the server's `postgres` database, to create and drop others.
pub async fn admin_connection() -> PgConnection {
    PgConnection::connect(&format!("{}/postgres", database_server_url()))
        .await
        .expect("Postgres reachable (set DATABASE_URL)")
}

/// Drops database `name`, ending whatever sessions still use it.
pub async fn drop_database(name: &str) -> Result<(), sqlx::Error> {
    let mut admin = PgConnection::connect(&format!("{}/postgres", database_server_url())).await?;
    admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
        .await?;
    admin.close().await
}
