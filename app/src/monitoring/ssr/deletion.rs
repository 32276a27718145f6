//! How much a shorter retention deletes: the daily partitions (and their
//! rows) older than the new cut-off, and the finished notifications older
//! than it, counted before the admin confirms.

use chrono::{Days, NaiveDate, NaiveTime};
use sqlx::PgConnection;

use crate::metrics::ssr::partitions::StoredKind;
use crate::monitoring::MonitoringSettings;
use crate::monitoring::fields::spec;
use crate::partitions::list_partitions;

/// A retention the save makes shorter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortened {
    pub field: &'static str,
    pub from: u32,
    pub to: u32,
}

impl Shortened {
    /// Every retention `new` keeps for less time than `old`.
    pub fn between(old: &MonitoringSettings, new: &MonitoringSettings) -> Vec<Shortened> {
        let days = |s: &MonitoringSettings| {
            [
                ("raw_days", s.raw_days),
                ("rollup_days", s.rollup_days),
                ("log_days", s.log_days),
                ("error_days", s.error_days),
                ("span_days", s.span_days),
                ("notification_days", s.notification_days),
            ]
        };
        days(old)
            .into_iter()
            .zip(days(new))
            .filter(|((_, from), (_, to))| to < from)
            .map(|((field, from), (_, to))| Shortened { field, from, to })
            .collect()
    }

    fn tables(&self) -> &'static [&'static str] {
        match self.field {
            "raw_days" => StoredKind::RawEvents.tables(),
            "rollup_days" => StoredKind::Rollups.tables(),
            "log_days" => &[crate::logs::ssr::partitions::TABLE],
            "error_days" => &crate::errors::ssr::partitions::TABLES,
            "span_days" => &[crate::traces::ssr::partitions::TABLE],
            _ => &[],
        }
    }
}

/// What the retention worker will delete for `shortened` (the worker keeps
/// the day `today - days` and later), one sentence each.
pub async fn describe(conn: &mut PgConnection, shortened: &[Shortened], today: NaiveDate) -> sqlx::Result<String> {
    let mut sentences = Vec::new();
    for change in shortened {
        let kept_from = today.checked_sub_days(Days::new(u64::from(change.to))).unwrap_or(today);
        let what = spec(change.field).map(|f| f.label).unwrap_or(change.field);
        let what = what.trim_end_matches(" (days)");
        let amount = if change.field == "notification_days" {
            let rows = count_notifications(conn, kept_from).await?;
            format!("{} finished notifications", thousands(rows))
        } else {
            let (days, rows) = count_partitions(conn, change.tables(), kept_from).await?;
            let days = if days == 1 {
                "1 day".to_string()
            } else {
                format!("{days} days")
            };
            format!("{days} of data ({} rows)", thousands(rows))
        };
        sentences.push(format!(
            "{what}: {} → {} days deletes {amount} older than {kept_from}.",
            change.from, change.to
        ));
    }
    Ok(sentences.join(" "))
}

/// The distinct days of `tables`' partitions before `kept_from`, and their rows.
async fn count_partitions(
    conn: &mut PgConnection,
    tables: &[&str],
    kept_from: NaiveDate,
) -> sqlx::Result<(usize, i64)> {
    let mut days = std::collections::BTreeSet::new();
    let mut rows = 0;
    for table in tables {
        for (partition, day) in list_partitions(&mut *conn, table).await? {
            if day < kept_from {
                days.insert(day);
                // The name came from pg_class and matched `<table>_pYYYYMMDD`.
                let count: i64 = sqlx::query_scalar(&format!(r#"SELECT count(*) FROM "{partition}""#))
                    .fetch_one(&mut *conn)
                    .await?;
                rows += count;
            }
        }
    }
    Ok((days.len(), rows))
}

async fn count_notifications(conn: &mut PgConnection, kept_from: NaiveDate) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE state <> 'pending' AND finished_at < $1")
        .bind(kept_from.and_time(NaiveTime::MIN).and_utc())
        .fetch_one(conn)
        .await
}

/// `12345` → `12 345`.
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(12345), "12 345");
        assert_eq!(thousands(1234567), "1 234 567");
    }
}
