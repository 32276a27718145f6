//! Folding the per-endpoint rollup deltas: every batch appends its own rows
//! to `request_rollups_1m` and `request_rollups_1h` ([`super::rollup`]), and
//! this merges the rows of each key in a window into one.
//!
//! One statement per tier: delete the rows of keys that have more than one
//! and insert their merged row, atomically, so a reader sees either the
//! deltas or their sum. Batches appending meanwhile add new rows, which the
//! next run folds. The server's compaction leader runs it every few seconds
//! over the recent hours; older deltas (late events) stay correct, only a
//! little slower to read.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::metrics::ssr::queries::merge_rows_sql;
use crate::metrics::ssr::rollup::Tier;

/// Merges the deltas of `tier`'s keys whose start lies in `[from, to)`;
/// returns how many rows were folded into how many.
#[tracing::instrument(skip(conn), err)]
pub async fn compact(
    conn: &mut PgConnection,
    tier: Tier,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<(u64, u64)> {
    let (table, time, keys) = (tier.table(), tier.time_column(), tier.key_columns());
    let key_columns = format!("{time}, {keys}");
    let matches: Vec<String> = key_columns.split(", ").map(|c| format!("r.{c} = d.{c}")).collect();
    let (merge, select) = merge_rows_sql(&key_columns);
    let sql = format!(
        "WITH doubled AS ( \
             SELECT {key_columns} FROM {table} WHERE {time} >= $1 AND {time} < $2 \
             GROUP BY {key_columns} HAVING count(*) > 1 \
         ), rows AS ( \
             DELETE FROM {table} r USING doubled d \
             WHERE {} AND r.{time} >= $1 AND r.{time} < $2 \
             RETURNING r.* \
         ), {merge}, merged AS ( \
             INSERT INTO {table} ({key_columns}, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt) \
             {select} \
             RETURNING 1 \
         ) \
         SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM merged)",
        matches.join(" AND "),
    );
    let (folded, into): (i64, i64) = sqlx::query_as(&sql).bind(from).bind(to).fetch_one(conn).await?;
    Ok((u64::try_from(folded).unwrap_or(0), u64::try_from(into).unwrap_or(0)))
}

/// [`compact`] for both per-endpoint tiers.
pub async fn compact_deltas(conn: &mut PgConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> sqlx::Result<u64> {
    let mut folded = 0;
    for tier in Tier::ALL.into_iter().filter(|t| t.per_endpoint()) {
        folded += compact(&mut *conn, tier, tier.start_of(from), to).await?.0;
    }
    Ok(folded)
}
