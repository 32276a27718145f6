//! The daily partitions of `log_lines` (`log_lines_pYYYYMMDD`): created
//! ahead of time by the retention worker and on demand by ingest (the SQL
//! function `logs_ensure_partitions`), dropped whole when they leave the
//! retention window (`crate::partitions` does the work).

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::partitions::DailyPartitions;

pub const TABLE: &str = "log_lines";

pub static PARTITIONS: DailyPartitions = DailyPartitions::new("logs_ensure_partitions");

/// Drops the partitions whose whole day lies before the `keep_days` days
/// ending `today`; returns the dropped names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired(conn: &mut PgConnection, keep_days: u32, today: NaiveDate) -> sqlx::Result<Vec<String>> {
    PARTITIONS.drop_expired(conn, &[TABLE], keep_days, today).await
}
