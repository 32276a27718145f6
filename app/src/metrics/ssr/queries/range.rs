//! The range query every rollup read is built from: which tiers a scope
//! reads, the SQL that merges their rows (histograms summed per bucket in
//! Postgres) per key, and which whole hours may come from the hourly tier.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::metrics::ssr::merged::Merged;
use crate::metrics::ssr::rollup::Tier;

/// Which rollup tiers a query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// `request_rollups_1m` / `_1h`: one row per endpoint (columns `service, endpoint`).
    Endpoints,
    /// `service_rollups_1m` / `_1h`: all endpoints of a service (column `service`).
    Service,
}

impl Scope {
    /// One endpoint's rows, or the service's.
    pub(super) fn of(endpoint: Option<&str>) -> Scope {
        if endpoint.is_some() {
            Scope::Endpoints
        } else {
            Scope::Service
        }
    }

    fn tiers(self) -> (Tier, Tier) {
        match self {
            Scope::Endpoints => (Tier::EndpointMinute, Tier::EndpointHour),
            Scope::Service => (Tier::ServiceMinute, Tier::ServiceHour),
        }
    }
}

/// The CTEs `totals`, `buckets` and `hists` merging the CTE `rows` (columns
/// `keys…, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt`) per
/// `keys`, and the `SELECT` of the result from them: `keys…, count, errors,
/// sum_ms, min_ms, max_ms, idx, cnt`. Shared by the range queries and the
/// compactor.
pub(crate) fn merge_rows_sql(keys: &str) -> (String, String) {
    let ctes = format!(
        "totals AS ( \
             SELECT {keys}, sum(count)::bigint AS count, sum(errors)::bigint AS errors, \
                    sum(sum_ms) AS sum_ms, min(min_ms) AS min_ms, max(max_ms) AS max_ms \
             FROM rows GROUP BY {keys} \
         ), buckets AS ( \
             SELECT {keys}, h.i, sum(h.c)::bigint AS c \
             FROM rows CROSS JOIN LATERAL unnest(rows.hist_idx, rows.hist_cnt) AS h(i, c) \
             GROUP BY {keys}, h.i \
         ), hists AS ( \
             SELECT {keys}, array_agg(i ORDER BY i) AS idx, array_agg(c ORDER BY i) AS cnt FROM buckets GROUP BY {keys} \
         )"
    );
    let select =
        format!("SELECT {keys}, count, errors, sum_ms, min_ms, max_ms, idx, cnt FROM totals JOIN hists USING ({keys})");
    (ctes, select)
}

/// Rollups of `scope` in `[$3, $4)` matching `filter` (which may use `$1`,
/// `$2` and the caller's parameters from `$7`), merged per `key` (an
/// expression over `t`, the row's start, and the scope's columns), ordered
/// by key. Whole hours in `[$5, $6)` are read from the hourly tier, the
/// minutes before and after from the minute tier.
fn merged_by(scope: Scope, key: &str, filter: &str) -> String {
    let (minutes, hours) = scope.tiers();
    let branch = |tier: Tier, from: &str, to: &str| {
        let (table, time, keys) = (tier.table(), tier.time_column(), tier.key_columns());
        format!(
            "SELECT {time} AS t, {keys}, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt \
             FROM {table} WHERE {time} >= {from} AND {time} < {to} AND {filter}"
        )
    };
    let (merge, select) = merge_rows_sql("key");
    format!(
        "WITH rows AS MATERIALIZED ( \
             SELECT {key} AS key, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt FROM ( \
                 {} UNION ALL {} UNION ALL {} \
             ) AS src \
         ), {merge} {select} ORDER BY key",
        branch(minutes, "$3", "$5"),
        branch(hours, "$5", "$6"),
        branch(minutes, "$6", "$4"),
    )
}

/// The whole hours of `[from, to)` a query may read from the hourly tier:
/// those that fall into one output step each, which holds when a single
/// step covers the window (`step` longer than it, or `None`) or when steps
/// are whole hours starting on an hour. `(to, to)` when none. The error
/// counts' tiers are split the same way (`errors::ssr::hours`).
pub(crate) fn hour_span(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Option<Duration>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let hour = Duration::hours(1);
    let start = Tier::ServiceHour.start_of(from);
    let first = if start == from { from } else { start + hour };
    let last = Tier::ServiceHour.start_of(to);
    let aligned = |step: Duration| step > to - from || (step.num_seconds() % 3600 == 0 && first == from);
    if step.is_none_or(aligned) && first < last {
        (first, last)
    } else {
        (to, to)
    }
}

/// What a range query reads: the `scope`'s rollups merged per `key`, for
/// `service` (all services when `None`) and `endpoint` (all when `None`),
/// hours from the hourly tier where `step` allows ([`hour_span`]).
pub(super) struct RangeQuery<'a> {
    pub(super) scope: Scope,
    pub(super) key: &'a str,
    pub(super) service: Option<&'a str>,
    pub(super) endpoint: Option<&'a str>,
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    /// `None`: one group per key, whatever the time (never split by time).
    pub(super) step: Option<Duration>,
    /// Reads minutes only (the key splits by minute).
    pub(super) minutes_only: bool,
}

impl<'a> RangeQuery<'a> {
    /// One group per `key` (a column) over the whole window.
    pub(super) fn per_key(
        scope: Scope,
        key: &'a str,
        service: Option<&'a str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> RangeQuery<'a> {
        RangeQuery {
            scope,
            key,
            service,
            endpoint: None,
            from,
            to,
            step: None,
            minutes_only: false,
        }
    }

    pub(super) async fn fetch<K>(self, conn: &mut PgConnection) -> sqlx::Result<Vec<Merged<K>>>
    where
        K: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let scope = self.scope;
        let filter = match scope {
            Scope::Endpoints => "($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR endpoint = $2)",
            Scope::Service => "($1::text IS NULL OR service = $1) AND $2::text IS NULL",
        };
        let (first_hour, end_hour) = if self.minutes_only {
            (self.to, self.to)
        } else {
            hour_span(self.from, self.to, self.step)
        };
        let sql = merged_by(scope, self.key, filter);
        let mut query = sqlx::query(&sql)
            .bind(self.service)
            .bind(self.endpoint)
            .bind(self.from)
            .bind(self.to)
            .bind(first_hour)
            .bind(end_hour);
        if let Some(step) = self.step {
            query = query.bind(step.num_seconds().max(60));
        }
        let rows = query.fetch_all(conn).await?;
        rows.iter().map(Merged::from_row).collect()
    }
}
