//! The daily partitions of `log_lines` (`log_lines_pYYYYMMDD`): created
//! ahead of time by the retention worker and on demand by ingest (the SQL
//! function `logs_ensure_partitions`), dropped whole when they leave the
//! retention window (`crate::partitions` does the work).

use chrono::{Days, NaiveDate};
use sqlx::PgConnection;

use crate::partitions::DailyPartitions;

pub const TABLE: &str = "log_lines";

pub static PARTITIONS: DailyPartitions = DailyPartitions::new("logs_ensure_partitions");

/// Drops the partitions whose whole day lies before the `keep_days` days
/// ending `today`, and those days' per-minute counts (`log_minutes`);
/// returns the dropped names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired(conn: &mut PgConnection, keep_days: u32, today: NaiveDate) -> sqlx::Result<Vec<String>> {
    let dropped = PARTITIONS.drop_expired(&mut *conn, &[TABLE], keep_days, today).await?;
    if let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(keep_days))) {
        sqlx::query("DELETE FROM log_minutes WHERE minute < $1::date::timestamp AT TIME ZONE 'UTC'")
            .bind(oldest_kept)
            .execute(conn)
            .await?;
    }
    Ok(dropped)
}
