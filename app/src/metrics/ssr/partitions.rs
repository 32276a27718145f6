//! The daily partitions of the metrics tables: creating them ahead of time
//! and dropping whole ones that fell out of the retention window.
//!
//! Every partitioned table has one partition per UTC day named
//! `<table>_pYYYYMMDD` covering `[day, day + 1)`; the SQL function
//! `metrics_ensure_partitions` (migration `…_metrics_storage.sql`) creates
//! them and retention reads the day back from the name.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

use chrono::{Days, NaiveDate};
use sqlx::PgConnection;

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

/// Days this process has found every partition of, committed. A day
/// leaves only when retention drops its partitions, and ingest refuses
/// timestamps that old, so a batch for a known day skips the catalog check.
static PREPARED: LazyLock<Mutex<BTreeSet<NaiveDate>>> = LazyLock::new(Mutex::default);

fn prepared() -> std::sync::MutexGuard<'static, BTreeSet<NaiveDate>> {
    // The set stays consistent even if a holder panicked: inserts and removes are atomic.
    PREPARED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Creates every missing partition for `days`; returns how many it created.
#[tracing::instrument(skip(conn), err)]
pub async fn ensure_days(conn: &mut PgConnection, days: &[NaiveDate]) -> sqlx::Result<i32> {
    let unknown: Vec<NaiveDate> = {
        let known = prepared();
        days.iter().filter(|day| !known.contains(day)).copied().collect()
    };
    if unknown.is_empty() {
        return Ok(0);
    }
    let created = sqlx::query_scalar("SELECT metrics_ensure_partitions($1::date[])")
        .bind(&unknown)
        .fetch_one(conn)
        .await?;
    // Partitions created now are only there once the caller commits: the
    // next batch checks again and finds them.
    if created == 0 {
        prepared().extend(unknown);
    }
    Ok(created)
}

/// Creates the partitions for `from` and the `days_ahead` days after it.
pub async fn ensure_partitions(conn: &mut PgConnection, from: NaiveDate, days_ahead: u32) -> sqlx::Result<i32> {
    let days: Vec<NaiveDate> = (0..=u64::from(days_ahead))
        .filter_map(|n| from.checked_add_days(Days::new(n)))
        .collect();
    ensure_days(conn, &days).await
}

/// The day a partition of `table` holds, read from its name.
pub fn partition_day(table: &str, partition: &str) -> Option<NaiveDate> {
    let digits = partition.strip_prefix(table)?.strip_prefix("_p")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// The partitions of `table` (from `pg_inherits`) with the day each holds,
/// oldest first. Children not named by [`partition_day`]'s rule are left out,
/// so retention never touches a table it did not create.
pub async fn list_partitions(conn: &mut PgConnection, table: &str) -> sqlx::Result<Vec<(String, NaiveDate)>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT child.relname::text FROM pg_inherits \
         JOIN pg_class child ON child.oid = pg_inherits.inhrelid \
         WHERE pg_inherits.inhparent = to_regclass($1)",
    )
    .bind(table)
    .fetch_all(conn)
    .await?;
    let mut days: Vec<(String, NaiveDate)> = names
        .into_iter()
        .filter_map(|name| partition_day(table, &name).map(|day| (name, day)))
        .collect();
    days.sort_by_key(|(_, day)| *day);
    Ok(days)
}

/// Drops every partition of `kind` whose whole day lies before the window of
/// `keep_days` days ending `today` (so the day `today - keep_days` and later
/// are kept: a row is kept at least `keep_days` days). Whole partitions only,
/// never a DELETE. Returns the dropped partitions' names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired_partitions(
    conn: &mut PgConnection,
    kind: StoredKind,
    keep_days: u32,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(keep_days))) else {
        return Ok(Vec::new());
    };
    let mut dropped = Vec::new();
    for table in kind.tables() {
        for (partition, day) in list_partitions(&mut *conn, table).await? {
            if day < oldest_kept {
                // The name came from pg_class and matched `<table>_pYYYYMMDD`,
                // so quoting it as an identifier is all the escaping it needs.
                sqlx::query(&format!(r#"DROP TABLE IF EXISTS "{partition}""#))
                    .execute(&mut *conn)
                    .await?;
                tracing::info!(%partition, %day, "dropped expired metrics partition");
                prepared().remove(&day);
                dropped.push(partition);
            }
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_give_their_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24);
        assert_eq!(partition_day("request_events", "request_events_p20261124"), day);
        assert_eq!(partition_day("request_events", "request_events_p2026112"), None);
        assert_eq!(partition_day("request_events", "request_events_p20261324"), None);
        assert_eq!(partition_day("request_events", "request_events_default"), None);
        assert_eq!(partition_day("request_events", "metric_samples_p20261124"), None);
        assert_eq!(
            partition_day("request_rollups_1m", "request_rollups_1m_p+0261124"),
            None
        );
    }
}
