//! The daily partitions of `log_lines` (`log_lines_pYYYYMMDD`): created
//! ahead of time by the retention worker and on demand by ingest (the SQL
//! function `logs_ensure_partitions`), dropped whole when they leave the
//! retention window. Partition names are read with the metrics area's
//! helpers, which follow the same naming rule.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

use chrono::{Days, NaiveDate};
use sqlx::PgConnection;

use crate::metrics::ssr::partitions::list_partitions;

pub const TABLE: &str = "log_lines";

/// Days this process has found the partition of, committed (see the
/// metrics area's twin: a batch for a known day skips the catalog check).
static PREPARED: LazyLock<Mutex<BTreeSet<NaiveDate>>> = LazyLock::new(Mutex::default);

fn prepared() -> std::sync::MutexGuard<'static, BTreeSet<NaiveDate>> {
    PREPARED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Creates every missing partition for `days`; returns how many it created.
pub async fn ensure_days(conn: &mut PgConnection, days: &[NaiveDate]) -> sqlx::Result<i32> {
    let unknown: Vec<NaiveDate> = {
        let known = prepared();
        days.iter().filter(|day| !known.contains(day)).copied().collect()
    };
    if unknown.is_empty() {
        return Ok(0);
    }
    let created = sqlx::query_scalar("SELECT logs_ensure_partitions($1::date[])")
        .bind(&unknown)
        .fetch_one(conn)
        .await?;
    // Created now, they exist only once the caller commits: check again next time.
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

/// Drops every partition whose whole day lies before the window of
/// `keep_days` days ending `today` (the day `today - keep_days` and later are
/// kept). Whole partitions only, never a DELETE. Returns the dropped names.
#[tracing::instrument(skip(conn), err)]
pub async fn drop_expired(conn: &mut PgConnection, keep_days: u32, today: NaiveDate) -> sqlx::Result<Vec<String>> {
    let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(keep_days))) else {
        return Ok(Vec::new());
    };
    let mut dropped = Vec::new();
    for (partition, day) in list_partitions(&mut *conn, TABLE).await? {
        if day < oldest_kept {
            // The name came from pg_class and matched `log_lines_pYYYYMMDD`.
            sqlx::query(&format!(r#"DROP TABLE IF EXISTS "{partition}""#))
                .execute(&mut *conn)
                .await?;
            tracing::info!(%partition, %day, "dropped expired log partition");
            prepared().remove(&day);
            dropped.push(partition);
        }
    }
    Ok(dropped)
}
