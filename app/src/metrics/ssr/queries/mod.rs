//! Reading metrics back for the pages: latency series, per-service
//! summaries and per-endpoint tables, and metric-sample series, all from the
//! rollups ([`super::rollup`]): service-wide questions from the service
//! tiers, per-endpoint ones from the endpoint tiers, and whole hours from
//! the hourly tier where the answer does not split them.
//!
//! Histograms are merged in Postgres (unnest, sum per bucket, re-aggregate)
//! so only one histogram per output row crosses the wire — a 30-day chart is
//! a few hundred rows, not 43,200 — and quantiles are read in Rust with
//! [`LatencyHistogram`](crate::metrics::ssr::histogram::LatencyHistogram), the same code the accuracy tests check.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

pub use crate::metrics::ssr::merged::Merged;
use crate::metrics::ssr::rollup::Tier;
use crate::metrics::{EndpointOrder, EndpointStats, LatencyPoint, MetricPoint, ServiceSummary};

/// Which rollup tiers a query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// `request_rollups_1m` / `_1h`: one row per endpoint (columns `service, endpoint`).
    Endpoints,
    /// `service_rollups_1m` / `_1h`: all endpoints of a service (column `service`).
    Service,
}

impl Scope {
    /// One endpoint's rows, or the service's.
    fn of(endpoint: Option<&str>) -> Scope {
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
/// are whole hours starting on an hour. `(to, to)` when none.
fn hour_span(from: DateTime<Utc>, to: DateTime<Utc>, step: Option<Duration>) -> (DateTime<Utc>, DateTime<Utc>) {
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
struct RangeQuery<'a> {
    scope: Scope,
    key: &'a str,
    service: Option<&'a str>,
    endpoint: Option<&'a str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// `None`: one group per key, whatever the time (never split by time).
    step: Option<Duration>,
    /// Reads minutes only (the key splits by minute).
    minutes_only: bool,
}

impl<'a> RangeQuery<'a> {
    /// One group per `key` (a column) over the whole window.
    fn per_key(
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

    async fn fetch<K>(self, conn: &mut PgConnection) -> sqlx::Result<Vec<Merged<K>>>
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

/// The requests of `service` (one endpoint or all) in `[from, to)`, merged
/// per minute (ascending), histograms included: what alert rules aggregate.
#[tracing::instrument(skip(conn), err)]
pub async fn request_minutes(
    conn: &mut PgConnection,
    service: &str,
    endpoint: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Merged<DateTime<Utc>>>> {
    RangeQuery {
        scope: Scope::of(endpoint),
        key: "t",
        service: Some(service),
        endpoint,
        from,
        to,
        step: None,
        minutes_only: true,
    }
    .fetch(conn)
    .await
}

/// Latency of `service` (one endpoint or all) in `[from, to)`, one point per
/// `step` (at least a minute) starting at `from`; steps without requests are
/// left out.
#[tracing::instrument(skip(conn), err)]
pub async fn latency_series(
    conn: &mut PgConnection,
    service: &str,
    endpoint: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> sqlx::Result<Vec<LatencyPoint>> {
    let merged: Vec<Merged<DateTime<Utc>>> = RangeQuery {
        scope: Scope::of(endpoint),
        key: "date_bin($7::bigint * INTERVAL '1 second', t, $3)",
        service: Some(service),
        endpoint,
        from,
        to,
        step: Some(step.max(Duration::minutes(1))),
        minutes_only: false,
    }
    .fetch(conn)
    .await?;
    Ok(merged.into_iter().map(Merged::into_point).collect())
}

/// The service-wide points of the given `(service, minute)`s, as stored
/// (the service tier keeps one row per key): what the live view publishes
/// after a batch. Keys without requests are left out.
#[tracing::instrument(skip_all, err)]
pub async fn service_minute_points(
    conn: &mut PgConnection,
    keys: &[(&str, DateTime<Utc>)],
) -> sqlx::Result<Vec<(String, LatencyPoint)>> {
    use sqlx::Row;
    let (services, minutes): (Vec<&str>, Vec<DateTime<Utc>>) = keys.iter().copied().unzip();
    let rows = sqlx::query(
        "SELECT service, minute AS key, count, errors, sum_ms, min_ms, max_ms, hist_idx AS idx, hist_cnt AS cnt \
         FROM service_rollups_1m JOIN UNNEST($1::text[], $2::timestamptz[]) AS k(service, minute) USING (service, minute) \
         ORDER BY service, minute",
    )
    .bind(services)
    .bind(minutes)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("service")?,
                Merged::<DateTime<Utc>>::from_row(row)?.into_point(),
            ))
        })
        .collect()
}

/// Service-wide requests in each of `windows` (`(service, from, to)`, each
/// shorter than an hour, so the minute tier answers it whole), merged into
/// one point per window (`t` is its start), one query for them all. The
/// result is in the order of `windows`; `None` where a window had no requests.
#[tracing::instrument(skip_all, err)]
pub async fn window_points(
    conn: &mut PgConnection,
    windows: &[(&str, DateTime<Utc>, DateTime<Utc>)],
) -> sqlx::Result<Vec<Option<LatencyPoint>>> {
    let numbers: Vec<i32> = (0..i32::try_from(windows.len()).unwrap_or(i32::MAX)).collect();
    let services: Vec<&str> = windows.iter().map(|w| w.0).collect();
    let froms: Vec<DateTime<Utc>> = windows.iter().map(|w| w.1).collect();
    let tos: Vec<DateTime<Utc>> = windows.iter().map(|w| w.2).collect();
    let (merge, select) = merge_rows_sql("key");
    let sql = format!(
        "WITH rows AS MATERIALIZED ( \
             SELECT w.n AS key, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt \
             FROM UNNEST($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(n, service, from_t, to_t) \
             JOIN service_rollups_1m r ON r.service = w.service AND r.minute >= w.from_t AND r.minute < w.to_t \
         ), {merge} {select} ORDER BY key"
    );
    let rows = sqlx::query(&sql)
        .bind(&numbers)
        .bind(services)
        .bind(froms)
        .bind(tos)
        .fetch_all(conn)
        .await?;
    let mut points = vec![None; windows.len()];
    for row in &rows {
        let merged = Merged::<i32>::from_row(row)?;
        if let Some((slot, window)) = usize::try_from(merged.key)
            .ok()
            .and_then(|n| points.get_mut(n).zip(windows.get(n)))
        {
            *slot = Some(merged.with_key(window.1).into_point());
        }
    }
    Ok(points)
}

/// Every service with requests in `[from, to)`, by name.
#[tracing::instrument(skip(conn), err)]
pub async fn service_summary(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<ServiceSummary>> {
    let merged: Vec<Merged<String>> = RangeQuery::per_key(Scope::Service, "service", None, from, to)
        .fetch(conn)
        .await?;
    let seconds = (to - from).num_milliseconds().max(1) as f64 / 1000.0;
    Ok(merged
        .into_iter()
        .map(|m| ServiceSummary {
            throughput_per_s: m.count as f64 / seconds,
            error_rate: m.error_rate(),
            p95_ms: m.quantile(0.95),
            requests: m.count,
            errors: m.errors,
            service: m.key,
        })
        .collect())
}

/// The endpoints of `service` in `[from, to)`, slowest (P95) or most failing
/// (error rate, then errors) first.
#[tracing::instrument(skip(conn), err)]
pub async fn endpoint_table(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    order: EndpointOrder,
) -> sqlx::Result<Vec<EndpointStats>> {
    let merged: Vec<Merged<String>> = RangeQuery::per_key(Scope::Endpoints, "endpoint", Some(service), from, to)
        .fetch(conn)
        .await?;
    let mut stats: Vec<EndpointStats> = merged
        .into_iter()
        .map(|m| EndpointStats {
            requests: m.count,
            errors: m.errors,
            error_rate: m.error_rate(),
            avg_ms: m.avg_ms(),
            p50_ms: m.quantile(0.50),
            p95_ms: m.quantile(0.95),
            p99_ms: m.quantile(0.99),
            max_ms: m.max_ms,
            endpoint: m.key,
        })
        .collect();
    sort_endpoints(&mut stats, order);
    Ok(stats)
}

/// Orders an endpoint table: slowest (P95) or most failing first.
pub fn sort_endpoints(stats: &mut [EndpointStats], order: EndpointOrder) {
    match order {
        EndpointOrder::SlowestP95 => {
            stats.sort_by(|a, b| b.p95_ms.total_cmp(&a.p95_ms).then_with(|| a.endpoint.cmp(&b.endpoint)))
        }
        EndpointOrder::MostFailing => stats.sort_by(|a, b| {
            b.error_rate
                .total_cmp(&a.error_rate)
                .then_with(|| b.errors.cmp(&a.errors))
                .then_with(|| a.endpoint.cmp(&b.endpoint))
        }),
    }
}

/// The metric `name` of `service` in `[from, to)`, one point per `step` (at
/// least a minute) starting at `from`, merged over every label set that
/// contains `labels` (an empty map matches all); steps without samples are
/// left out.
#[tracing::instrument(skip(conn), err)]
pub async fn metric_series(
    conn: &mut PgConnection,
    service: &str,
    name: &str,
    labels: &BTreeMap<String, String>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> sqlx::Result<Vec<MetricPoint>> {
    let labels = serde_json::to_string(labels).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let rows = sqlx::query(
        "SELECT date_bin($6::bigint * INTERVAL '1 second', minute, $4) AS t, \
                sum(count)::bigint AS count, min(min) AS min, max(max) AS max, \
                (sum(sum::numeric) / sum(count))::float8 AS avg, \
                (array_agg(last ORDER BY last_ts DESC))[1] AS last \
         FROM metric_rollups_1m \
         WHERE service = $1 AND name = $2 AND labels @> $3::jsonb AND minute >= $4 AND minute < $5 \
         GROUP BY 1 ORDER BY 1",
    )
    .bind(service)
    .bind(name)
    .bind(labels)
    .bind(from)
    .bind(to)
    .bind(step.num_seconds().max(60))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            use sqlx::Row;
            Ok(MetricPoint {
                t: row.try_get("t")?,
                count: row.try_get("count")?,
                min: row.try_get("min")?,
                max: row.try_get("max")?,
                avg: row.try_get("avg")?,
                last: row.try_get("last")?,
            })
        })
        .collect()
}
