//! The stored monitoring settings: the one `monitoring_settings` row, read
//! and written here, and the Redis channel a save is announced on.

pub mod deletion;
pub mod save;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::settings::Stored;
use super::{MonitoringPage, PageValues};
use crate::error::AppError;
use crate::redis_handle::RedisHandle;
use crate::state::AppState;

/// The channel (under the installation's Redis prefix) a save is announced on.
pub const CHANNEL: &str = "monitoring:settings";

type Row = (
    i64,
    sqlx::types::Json<PageValues>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn stored((version, page, by, at): Row) -> Stored {
    Stored {
        version,
        page: page.0,
        updated: by.zip(at),
    }
}

/// The stored row (a database without it, before its migration, has none set).
pub async fn load(conn: &mut PgConnection) -> sqlx::Result<Stored> {
    let row: Option<Row> =
        sqlx::query_as("SELECT version, page_values, updated_by, updated_at FROM monitoring_settings WHERE id")
            .fetch_optional(conn)
            .await?;
    Ok(row.map(stored).unwrap_or_default())
}

/// The stored row, locked until the transaction ends.
async fn lock(conn: &mut PgConnection) -> sqlx::Result<Stored> {
    let row: Row = sqlx::query_as(
        "SELECT version, page_values, updated_by, updated_at FROM monitoring_settings WHERE id FOR UPDATE",
    )
    .fetch_one(conn)
    .await?;
    Ok(stored(row))
}

/// Stores `page` as the next version, saved by `by`.
async fn write(conn: &mut PgConnection, page: &PageValues, by: &str) -> sqlx::Result<Stored> {
    let row: Row = sqlx::query_as(
        "UPDATE monitoring_settings SET version = version + 1, page_values = $1, updated_by = $2, updated_at = now() \
         WHERE id RETURNING version, page_values, updated_by, updated_at",
    )
    .bind(sqlx::types::Json(page))
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(stored(row))
}

/// Reads the stored row and applies it here if it is newer than what applies.
pub async fn refresh(state: &AppState) -> Result<(), AppError> {
    let mut conn = state.connection("monitoring settings: acquire").await?;
    let stored = load(&mut conn)
        .await
        .map_err(AppError::internal_in("monitoring settings: load"))?;
    state.monitoring.apply(stored);
    Ok(())
}

/// What the page shows: the stored row as it is now (also applied here).
pub async fn page(state: &AppState) -> Result<MonitoringPage, AppError> {
    refresh(state).await?;
    Ok(page_of(state, &state.monitoring.current().stored))
}

fn page_of(state: &AppState, stored: &Stored) -> MonitoringPage {
    MonitoringPage::new(
        stored.version,
        stored.updated.clone(),
        &stored.page,
        state.monitoring.baseline(),
    )
}

/// Tells every instance that version `version` is stored (best effort: the
/// periodic re-read catches what a lost announcement misses).
pub async fn announce(redis: &RedisHandle, version: i64) {
    let sent = async {
        let mut conn = redis.connection().await?;
        redis::cmd("PUBLISH")
            .arg(redis.key(CHANNEL))
            .arg(version)
            .query_async::<i64>(&mut conn)
            .await
    };
    if let Err(error) = sent.await {
        tracing::warn!(%error, version, "could not announce the monitoring settings over Redis; other instances re-read them within a minute");
    }
}
