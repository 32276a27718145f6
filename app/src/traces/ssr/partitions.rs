//! The daily partitions of `spans` (`spans_pYYYYMMDD`): created ahead of
//! time by the retention worker and on demand by ingest (the SQL function
//! `spans_ensure_partitions`), dropped whole when they leave the retention
//! window (`crate::partitions` does the work).

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::partitions::DailyPartitions;

pub const TABLE: &str = "spans";

pub static PARTITIONS: DailyPartitions = DailyPartitions::new("spans_ensure_partitions");

/// Drops the partitions whose whole day lies before the `keep_days` days
/// ending `today`; returns the dropped names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired(conn: &mut PgConnection, keep_days: u32, today: NaiveDate) -> sqlx::Result<Vec<String>> {
    PARTITIONS.drop_expired(conn, &[TABLE], keep_days, today).await
}
