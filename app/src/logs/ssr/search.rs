//! The search's SQL, built from a parsed [`Query`] with every value bound
//! (never spliced): one page of matches newest first with keyset paging on
//! `(ts, id)`, and the histogram of every match in the range per level.
//!
//! Each term's SQL is the rule `Query::matches` applies in Rust (the live
//! tail): words and phrases are `body ILIKE '%…%'` (the pg_trgm index),
//! fields are equalities, a level is the set of severity numbers
//! `Level::of` puts in it, and an excluded term is `NOT coalesce(…, false)`
//! so a missing attribute or trace id counts as "not equal", as in Rust.

use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{LINE_COLUMNS, Row};
use crate::logs::query::{Condition, Query};
use crate::logs::search::{Bucket, Cursor};
use crate::logs::{Level, LogLine};

/// The range searched, `[from, to)`.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Appends ` AND <term>` for every term of `query`.
pub fn push_terms(sql: &mut QueryBuilder<'_, Postgres>, query: &Query) {
    for term in &query.terms {
        sql.push(if term.negated { " AND NOT coalesce(" } else { " AND (" });
        match &term.condition {
            Condition::Text(text) => {
                sql.push("body ILIKE ").push_bind(crate::sql::contains_pattern(text));
            }
            Condition::Service(service) => {
                sql.push("service = ").push_bind(service.clone());
            }
            Condition::Host(host) => {
                sql.push("host = ").push_bind(host.clone());
            }
            Condition::Level(comparison, level) => {
                sql.push("severity = ANY(")
                    .push_bind(Query::severities(*comparison, *level))
                    .push(")");
            }
            Condition::Trace(trace) => {
                sql.push("trace_id = ").push_bind(trace.clone());
            }
            Condition::Attr { key, value } => {
                sql.push("attributes ->> ")
                    .push_bind(key.clone())
                    .push(" = ")
                    .push_bind(value.clone());
            }
        }
        sql.push(if term.negated { ", false)" } else { ")" });
    }
}

/// `SELECT <select> FROM log_lines` with the lines of `span` that match `query`.
pub(super) fn matching(select: &str, query: &Query, span: Span) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {select} FROM log_lines WHERE ts >= "));
    sql.push_bind(span.from).push(" AND ts < ").push_bind(span.to);
    push_terms(&mut sql, query);
    sql
}

/// Up to `limit` matches older than `before` (or the newest), newest first.
#[tracing::instrument(skip(conn), err)]
pub async fn page(
    conn: &mut PgConnection,
    query: &Query,
    span: Span,
    before: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<LogLine>> {
    let mut sql = matching(LINE_COLUMNS, query, span);
    if let Some(cursor) = before {
        sql.push(" AND (ts, id) < (")
            .push_bind(cursor.ts)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
    sql.push(" ORDER BY ts DESC, id DESC LIMIT ").push_bind(limit);
    let rows: Vec<Row> = sql.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(LogLine::from).collect())
}

/// Every bucket of `step` from `span.from` (its origin) to `span.to`, with
/// the matches per level; empty buckets included, oldest first.
///
/// A query of service, host and level terms only (the columns of
/// `log_minutes`, migration `20261206140000_log_minutes.sql`) with
/// whole-minute buckets is summed from the per-minute counts, so the
/// histogram of a day costs the same at any volume; only the minutes at the
/// range's ends that it covers in part are counted from the lines. Any other
/// query counts its matching lines.
#[tracing::instrument(skip(conn), err)]
pub async fn histogram(
    conn: &mut PgConnection,
    query: &Query,
    span: Span,
    step: Duration,
) -> sqlx::Result<Vec<Bucket>> {
    let bins = Bins {
        secs: step.num_seconds().max(1),
        origin: span.from,
    };
    let mut rows = Vec::new();
    let mut from_lines = vec![span];
    if counted_by_minute(query, step) {
        let minute = Duration::minutes(1);
        let whole_to = span.to.duration_trunc(minute).unwrap_or(span.to);
        let start = span.from.duration_trunc(minute).unwrap_or(span.from);
        let whole_from = if start < span.from { start + minute } else { start };
        if whole_from < whole_to {
            let whole = Span {
                from: whole_from,
                to: whole_to,
            };
            rows.extend(bins.count(conn, MINUTES, query, whole).await?);
            from_lines = vec![
                Span {
                    from: span.from,
                    to: whole_from,
                },
                Span {
                    from: whole_to,
                    to: span.to,
                },
            ];
        }
    }
    for part in from_lines.into_iter().filter(|part| part.from < part.to) {
        rows.extend(bins.count(conn, LINES, query, part).await?);
    }
    Ok(fill(span, step, &rows))
}

/// Whether `log_minutes` can answer `query`'s histogram in buckets of `step`.
fn counted_by_minute(query: &Query, step: Duration) -> bool {
    step.num_seconds() % 60 == 0
        && query.terms.iter().all(|term| {
            matches!(
                term.condition,
                Condition::Service(_) | Condition::Host(_) | Condition::Level(..)
            )
        })
}

/// Where lines are counted: the table, its time column and the count.
struct Counted {
    table: &'static str,
    time: &'static str,
    count: &'static str,
}

const LINES: Counted = Counted {
    table: "log_lines",
    time: "ts",
    count: "count(*)",
};

const MINUTES: Counted = Counted {
    table: "log_minutes",
    time: "minute",
    count: "sum(lines)::bigint",
};

/// Buckets of `secs` seconds from `origin`.
struct Bins {
    secs: i64,
    origin: DateTime<Utc>,
}

impl Bins {
    /// `(bucket start, severity, matches)` of `query` in `part`, from `counted`.
    async fn count(
        &self,
        conn: &mut PgConnection,
        counted: Counted,
        query: &Query,
        part: Span,
    ) -> sqlx::Result<Vec<(DateTime<Utc>, i16, i64)>> {
        let Counted { table, time, count } = counted;
        let mut sql = QueryBuilder::new("SELECT date_bin(");
        sql.push_bind(self.secs)
            .push(format!("::bigint * INTERVAL '1 second', {time}, "))
            .push_bind(self.origin)
            .push(format!(") AS bucket, severity, {count} FROM {table} WHERE {time} >= "))
            .push_bind(part.from)
            .push(format!(" AND {time} < "))
            .push_bind(part.to);
        push_terms(&mut sql, query);
        sql.push(" GROUP BY 1, 2");
        sql.build_query_as().fetch_all(conn).await
    }
}

/// The dense bucket list from `(bucket start, severity, count)` rows.
pub fn fill(span: Span, step: Duration, rows: &[(DateTime<Utc>, i16, i64)]) -> Vec<Bucket> {
    let step_ms = step.num_milliseconds().max(1000);
    let count = ((span.to - span.from).num_milliseconds() + step_ms - 1) / step_ms;
    let mut buckets: Vec<Bucket> = (0..count.max(0))
        .map(|i| Bucket {
            start: span.from + Duration::milliseconds(i * step_ms),
            counts: [0; 6],
        })
        .collect();
    for (start, severity, n) in rows {
        let index = (*start - span.from).num_milliseconds() / step_ms;
        let level = Level::ALL.iter().position(|l| *l == Level::of(*severity));
        if let (Some(bucket), Some(level)) = (usize::try_from(index).ok().and_then(|i| buckets.get_mut(i)), level) {
            bucket.counts[level] += n;
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_bound_and_exclusions_treat_null_as_not_equal() {
        let query = Query::parse(
            r#"x' OR '1'='1 -"50%" service:a -attr.k:v level>=warn -trace:4bf92f3577b34da6a3ce929d0e0e4736"#,
        )
        .expect("parses");
        let mut sql = QueryBuilder::new("SELECT 1 FROM log_lines WHERE TRUE");
        push_terms(&mut sql, &query);
        let sql = sql.into_sql();
        assert!(!sql.contains("OR '1'"), "{sql}");
        assert!(!sql.contains("50"), "{sql}");
        assert_eq!(
            sql,
            "SELECT 1 FROM log_lines WHERE TRUE AND (body ILIKE $1) AND (body ILIKE $2) AND (body ILIKE $3) \
             AND NOT coalesce(body ILIKE $4, false) AND (service = $5) AND NOT coalesce(attributes ->> $6 = $7, false) \
             AND (severity = ANY($8)) AND NOT coalesce(trace_id = $9, false)"
        );
    }

    #[test]
    fn the_histogram_has_every_bucket_of_the_range() {
        let from = DateTime::from_timestamp(1_765_000_000, 0).unwrap_or_default();
        let span = Span {
            from,
            to: from + Duration::minutes(10) + Duration::seconds(1),
        };
        let rows = [
            (from, 9, 3),
            (from, 0, 1),
            (from, 17, 2),
            (from + Duration::minutes(10), 13, 5),
        ];
        let buckets = fill(span, Duration::minutes(1), &rows);
        assert_eq!(buckets.len(), 11);
        assert_eq!(buckets[0].count(Level::Info), 4);
        assert_eq!(buckets[0].count(Level::Error), 2);
        assert_eq!(buckets[10].count(Level::Warn), 5);
        assert_eq!(buckets[5].total(), 0);
    }
}
