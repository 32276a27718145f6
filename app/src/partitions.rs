//! Daily range partitions, shared by every partitioned table (metrics, logs).
//!
//! A partitioned table has one partition per UTC day named
//! `<table>_pYYYYMMDD` covering `[day, day + 1)`; an SQL function per area
//! (`metrics_ensure_partitions`, `logs_ensure_partitions`) creates the
//! missing ones for a list of days, and retention reads the day back from
//! the name and drops whole partitions, never rows.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{Days, NaiveDate};
use sqlx::PgConnection;

/// One area's partitioned tables and what this process knows of them.
pub struct DailyPartitions {
    /// The SQL function creating the missing partitions of `days DATE[]`.
    ensure_function: &'static str,
    /// Days this process has found every partition of, committed. A day
    /// leaves only when retention drops its partitions, and ingest refuses
    /// timestamps that old, so a batch for a known day skips the catalog check.
    prepared: Mutex<BTreeSet<NaiveDate>>,
}

impl DailyPartitions {
    pub const fn new(ensure_function: &'static str) -> DailyPartitions {
        DailyPartitions {
            ensure_function,
            prepared: Mutex::new(BTreeSet::new()),
        }
    }

    fn prepared(&self) -> MutexGuard<'_, BTreeSet<NaiveDate>> {
        // The set stays consistent even if a holder panicked: inserts and removes are atomic.
        self.prepared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates every missing partition for `days`; returns how many it created.
    pub async fn ensure_days(&self, conn: &mut PgConnection, days: &[NaiveDate]) -> sqlx::Result<i32> {
        let unknown: Vec<NaiveDate> = {
            let known = self.prepared();
            days.iter().filter(|day| !known.contains(day)).copied().collect()
        };
        if unknown.is_empty() {
            return Ok(0);
        }
        // The function's name is one of this crate's constants, never input.
        let created = sqlx::query_scalar(&format!("SELECT {}($1::date[])", self.ensure_function))
            .bind(&unknown)
            .fetch_one(conn)
            .await?;
        // Partitions created now are only there once the caller commits: the
        // next batch checks again and finds them.
        if created == 0 {
            self.prepared().extend(unknown);
        }
        Ok(created)
    }

    /// Creates the partitions for `from` and the `days_ahead` days after it.
    pub async fn ensure_ahead(&self, conn: &mut PgConnection, from: NaiveDate, days_ahead: u32) -> sqlx::Result<i32> {
        let days: Vec<NaiveDate> = (0..=u64::from(days_ahead))
            .filter_map(|n| from.checked_add_days(Days::new(n)))
            .collect();
        self.ensure_days(conn, &days).await
    }

    /// Drops every partition of `tables` whose whole day lies before the
    /// window of `keep_days` days ending `today` (so the day
    /// `today - keep_days` and later are kept: a row is kept at least
    /// `keep_days` days). Whole partitions only, never a DELETE. Returns the
    /// dropped partitions' names.
    pub async fn drop_expired(
        &self,
        conn: &mut PgConnection,
        tables: &[&str],
        keep_days: u32,
        today: NaiveDate,
    ) -> sqlx::Result<Vec<String>> {
        let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(keep_days))) else {
            return Ok(Vec::new());
        };
        let mut dropped = Vec::new();
        for table in tables {
            for (partition, day) in list_partitions(&mut *conn, table).await? {
                if day < oldest_kept {
                    // The name came from pg_class and matched `<table>_pYYYYMMDD`,
                    // so quoting it as an identifier is all the escaping it needs.
                    sqlx::query(&format!(r#"DROP TABLE IF EXISTS "{partition}""#))
                        .execute(&mut *conn)
                        .await?;
                    tracing::info!(%partition, %day, "dropped an expired partition");
                    self.prepared().remove(&day);
                    dropped.push(partition);
                }
            }
        }
        Ok(dropped)
    }
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
        assert_eq!(partition_day("log_lines", "log_lines_p20261124"), day);
    }
}
