//! The daily partitions of `error_events`, `error_issue_minutes` and
//! `error_issue_hours` (`<table>_pYYYYMMDD`): created ahead of time by the retention worker and
//! on demand by ingest (the SQL function `errors_ensure_partitions`),
//! dropped whole when they leave the retention window
//! (`OPSDECK_ERROR_RETENTION_DAYS`; `crate::partitions` does the work).

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::partitions::DailyPartitions;

pub const TABLES: [&str; 3] = ["error_events", "error_issue_minutes", "error_issue_hours"];

pub static PARTITIONS: DailyPartitions = DailyPartitions::new("errors_ensure_partitions");

/// Drops the partitions whose whole day lies before the `keep_days` days
/// ending `today`; returns the dropped names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired(conn: &mut PgConnection, keep_days: u32, today: NaiveDate) -> sqlx::Result<Vec<String>> {
    PARTITIONS.drop_expired(conn, &TABLES, keep_days, today).await
}
