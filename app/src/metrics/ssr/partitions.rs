//! The daily partitions of the metrics tables: creating them ahead of time
//! and dropping whole ones that fell out of the retention window.
//!
//! Every partitioned table has one partition per UTC day named
//! `<table>_pYYYYMMDD` covering `[day, day + 1)`; the SQL function
//! `metrics_ensure_partitions` (migration `…_metrics_storage.sql`) creates
//! them and retention reads the day back from the name.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::partitions::DailyPartitions;
pub use crate::partitions::{list_partitions, partition_day};

/// What a retention window applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredKind {
    /// `request_events`, `metric_samples`.
    RawEvents,
    /// The request rollup tiers and `metric_rollups_1m`.
    Rollups,
}

impl StoredKind {
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            StoredKind::RawEvents => &["request_events", "metric_samples"],
            StoredKind::Rollups => &[
                "request_rollups_1m",
                "request_rollups_1h",
                "service_rollups_1m",
                "service_rollups_1h",
                "metric_rollups_1m",
            ],
        }
    }
}

pub static PARTITIONS: DailyPartitions = DailyPartitions::new("metrics_ensure_partitions");

/// Creates every missing partition of every metrics table for `days`.
#[tracing::instrument(skip(conn), err)]
pub async fn ensure_days(conn: &mut PgConnection, days: &[NaiveDate]) -> sqlx::Result<i32> {
    PARTITIONS.ensure_days(conn, days).await
}

/// Creates the partitions for `from` and the `days_ahead` days after it.
pub async fn ensure_partitions(conn: &mut PgConnection, from: NaiveDate, days_ahead: u32) -> sqlx::Result<i32> {
    PARTITIONS.ensure_ahead(conn, from, days_ahead).await
}

/// Drops every partition of `kind` whose whole day lies before the window of
/// `keep_days` days ending `today`. Returns the dropped partitions' names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired_partitions(
    conn: &mut PgConnection,
    kind: StoredKind,
    keep_days: u32,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    PARTITIONS.drop_expired(conn, kind.tables(), keep_days, today).await
}
