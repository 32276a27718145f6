//! `pg_stat_statements` read as pghero and pg_profile users wish it were:
//! totals read every [`EVERY`], each snapshot storing only what grew since
//! the one before (`statement_deltas`), so the range's top queries are a
//! sum, and the extension's own totals are never reset for anyone.
//!
//! A statement whose totals went down (the statistics were reset, or the
//! entry was evicted and came back) counts its totals as new; one first
//! seen after the first snapshot counts whole. The first snapshot after
//! the collector starts (or changes leader) is only a baseline.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::datastores::OWN_POSTGRES;
use crate::datastores::statements::{QuerySort, StatementsState, TopQueries, TopQuery};
use crate::metrics::window::Window;

/// How often the totals are read (pgwatch's preset for statement statistics).
pub const EVERY: Duration = Duration::from_secs(180);
/// Snapshots older than this are deleted.
pub const KEEP_DAYS: i32 = 31;
/// Statements read per snapshot, busiest first.
const MOST: i64 = 500;
/// Rows of the top-queries table.
pub const TOP: i64 = 50;

/// Identifies a statement's totals: the same text run by another user or
/// in another database is counted apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub query_id: i64,
    pub database: String,
    pub user: String,
}

/// One statement's totals (or, in a delta, their growth).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Totals {
    pub query: String,
    pub calls: i64,
    pub total_ms: f64,
    pub rows: i64,
    pub shared_hits: i64,
    pub shared_reads: i64,
}

impl Totals {
    /// What grew from `before` to `self`; all of `self` when it went down.
    fn since(&self, before: &Totals) -> Totals {
        if self.calls < before.calls || self.total_ms < before.total_ms {
            return self.clone();
        }
        Totals {
            query: self.query.clone(),
            calls: self.calls - before.calls,
            total_ms: self.total_ms - before.total_ms,
            rows: (self.rows - before.rows).max(0),
            shared_hits: (self.shared_hits - before.shared_hits).max(0),
            shared_reads: (self.shared_reads - before.shared_reads).max(0),
        }
    }
}

/// The totals of the snapshot before, kept by the collector.
#[derive(Debug, Default)]
pub struct Snapshots {
    before: Option<HashMap<Key, Totals>>,
}

impl Snapshots {
    /// What ran since the snapshot before `now` (nothing the first time).
    pub fn deltas(&mut self, now: HashMap<Key, Totals>) -> Vec<(Key, Totals)> {
        let deltas = match &self.before {
            None => Vec::new(),
            Some(before) => now
                .iter()
                .map(|(key, totals)| match before.get(key) {
                    Some(earlier) => (key.clone(), totals.since(earlier)),
                    None => (key.clone(), totals.clone()),
                })
                .filter(|(_, delta)| delta.calls > 0)
                .collect(),
        };
        self.before = Some(now);
        deltas
    }
}

/// Whether `pg_stat_statements` can be read on `conn`'s server.
pub async fn state(conn: &mut PgConnection) -> StatementsState {
    match sqlx::query("SELECT 1 FROM pg_stat_statements LIMIT 1")
        .execute(conn)
        .await
    {
        Ok(_) => StatementsState::Ready,
        Err(error) => unreadable(&error),
    }
}

fn unreadable(error: &sqlx::Error) -> StatementsState {
    match error.as_database_error().and_then(|e| e.code()).as_deref() {
        // undefined_table: the extension was not created in this database.
        Some("42P01") => StatementsState::NotInstalled,
        // object_not_in_prerequisite_state: the library was not preloaded.
        Some("55000") => StatementsState::NotPreloaded,
        _ => StatementsState::Unreadable(error.to_string()),
    }
}

/// One statement of `pg_stat_statements` as read.
#[derive(sqlx::FromRow)]
struct Read {
    query_id: i64,
    database: String,
    user: String,
    #[sqlx(flatten)]
    totals: Totals,
}

/// The server's statement totals, the busiest [`MOST`]; `Err` says why
/// they cannot be read.
pub async fn totals(conn: &mut PgConnection) -> Result<HashMap<Key, Totals>, StatementsState> {
    let rows: Vec<Read> = sqlx::query_as(
        "SELECT s.queryid AS query_id, coalesce(d.datname::text, '') AS database, \
                coalesce(r.rolname::text, '') AS user, s.query, s.calls, s.total_exec_time AS total_ms, s.rows, \
                s.shared_blks_hit AS shared_hits, s.shared_blks_read AS shared_reads \
         FROM pg_stat_statements s \
         LEFT JOIN pg_database d ON d.oid = s.dbid LEFT JOIN pg_roles r ON r.oid = s.userid \
         WHERE s.queryid IS NOT NULL ORDER BY s.total_exec_time DESC LIMIT $1",
    )
    .bind(MOST)
    .fetch_all(conn)
    .await
    .map_err(|error| unreadable(&error))?;
    Ok(rows
        .into_iter()
        .map(|read| {
            let key = Key {
                query_id: read.query_id,
                database: read.database,
                user: read.user,
            };
            (key, read.totals)
        })
        .collect())
}

/// Stores `deltas` as `service`'s snapshot at `at` (also when empty, so
/// the page can tell a quiet range from one never read), and deletes
/// snapshots older than [`KEEP_DAYS`].
pub async fn store(db: &PgPool, service: &str, at: DateTime<Utc>, deltas: &[(Key, Totals)]) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let column = |f: fn(&(Key, Totals)) -> i64| deltas.iter().map(f).collect::<Vec<i64>>();
    let text = |f: fn(&(Key, Totals)) -> &str| deltas.iter().map(|d| f(d).to_string()).collect::<Vec<String>>();
    sqlx::query("INSERT INTO statement_snapshots (service, taken_at, statements) VALUES ($1, $2, $3)")
        .bind(service)
        .bind(at)
        .bind(i32::try_from(deltas.len()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO statement_deltas (service, taken_at, query_id, database, username, query, calls, total_ms, \
                                       rows, shared_hits, shared_reads) \
         SELECT $1, $2, * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], \
                                      $8::float8[], $9::bigint[], $10::bigint[], $11::bigint[])",
    )
    .bind(service)
    .bind(at)
    .bind(column(|(k, _)| k.query_id))
    .bind(text(|(k, _)| &k.database))
    .bind(text(|(k, _)| &k.user))
    .bind(text(|(_, t)| &t.query))
    .bind(column(|(_, t)| t.calls))
    .bind(deltas.iter().map(|(_, t)| t.total_ms).collect::<Vec<f64>>())
    .bind(column(|(_, t)| t.rows))
    .bind(column(|(_, t)| t.shared_hits))
    .bind(column(|(_, t)| t.shared_reads))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM statement_snapshots WHERE taken_at < now() - make_interval(days => $1)")
        .bind(KEEP_DAYS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Reads `conn`'s server's totals and stores what grew since the last
/// time as `service`'s snapshot; `Err` with why they cannot be read.
pub async fn snapshot(
    db: &PgPool,
    conn: &mut PgConnection,
    service: &str,
    snapshots: &mut Snapshots,
) -> Result<usize, StatementsState> {
    let now = totals(conn).await?;
    let at = Utc::now();
    let deltas = snapshots.deltas(now);
    store(db, service, at, &deltas)
        .await
        .map_err(|error| StatementsState::Unreadable(error.to_string()))?;
    Ok(deltas.len())
}

/// `service`'s statements summed over `[from, to)`, sorted by `sort`,
/// with how many snapshots the range holds.
pub async fn top(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    sort: QuerySort,
) -> sqlx::Result<(i64, Vec<TopQuery>)> {
    let snapshots: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM statement_snapshots WHERE service = $1 AND taken_at >= $2 AND taken_at < $3",
    )
    .bind(service)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    // The ORDER BY is one of these fixed texts, never input.
    let order = match sort {
        QuerySort::TotalTime => "total_ms",
        QuerySort::Calls => "calls",
        QuerySort::MeanTime => "sum(total_ms) / greatest(sum(calls), 1)",
        QuerySort::Rows => "rows",
        QuerySort::Reads => "shared_reads",
    };
    let rows: Vec<TopQuery> = sqlx::query_as(&format!(
        "SELECT database, username AS user, (array_agg(query ORDER BY taken_at DESC))[1] AS query, \
                sum(calls)::bigint AS calls, sum(total_ms)::float8 AS total_ms, sum(rows)::bigint AS rows, \
                sum(shared_hits)::bigint AS shared_hits, sum(shared_reads)::bigint AS shared_reads \
         FROM statement_deltas WHERE service = $1 AND taken_at >= $2 AND taken_at < $3 \
         GROUP BY query_id, database, username ORDER BY {order} DESC, calls DESC LIMIT $4"
    ))
    .bind(service)
    .bind(from)
    .bind(to)
    .bind(TOP)
    .fetch_all(conn)
    .await?;
    Ok((snapshots, rows))
}

/// The Data stores page's table: Opsdeck's own Postgres's top queries
/// over `window`, and whether the extension can be read now.
pub async fn top_queries(conn: &mut PgConnection, window: &Window, sort: QuerySort) -> sqlx::Result<TopQueries> {
    let state = state(&mut *conn).await;
    let database: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&mut *conn)
        .await?;
    let (snapshots, rows) = top(conn, OWN_POSTGRES, window.from, window.to, sort).await?;
    Ok(TopQueries {
        state,
        database,
        sort,
        from: window.from,
        to: window.to,
        snapshots,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(calls: i64, total_ms: f64) -> Totals {
        Totals {
            query: "SELECT $1".to_string(),
            calls,
            total_ms,
            rows: calls,
            shared_hits: calls * 2,
            shared_reads: 0,
        }
    }

    fn key(id: i64) -> Key {
        Key {
            query_id: id,
            database: "db".to_string(),
            user: "u".to_string(),
        }
    }

    #[test]
    fn the_first_snapshot_is_a_baseline_and_later_ones_keep_what_grew() {
        let mut snapshots = Snapshots::default();
        assert!(snapshots.deltas(HashMap::from([(key(1), totals(10, 5.0))])).is_empty());
        let deltas = snapshots.deltas(HashMap::from([(key(1), totals(13, 6.5)), (key(2), totals(4, 1.0))]));
        let mut deltas: Vec<(i64, i64, f64)> = deltas
            .into_iter()
            .map(|(k, t)| (k.query_id, t.calls, t.total_ms))
            .collect();
        deltas.sort_by_key(|d| d.0);
        assert_eq!(deltas, vec![(1, 3, 1.5), (2, 4, 1.0)]);
    }

    #[test]
    fn a_statement_that_did_not_run_is_left_out_and_a_reset_one_counts_anew() {
        let mut snapshots = Snapshots::default();
        snapshots.deltas(HashMap::from([(key(1), totals(10, 5.0)), (key(2), totals(7, 2.0))]));
        let deltas = snapshots.deltas(HashMap::from([(key(1), totals(10, 5.0)), (key(2), totals(2, 0.5))]));
        assert_eq!(deltas.len(), 1);
        assert_eq!((deltas[0].0.query_id, deltas[0].1.calls), (2, 2));
    }
}
