//! Reading metrics back for the pages: latency series, per-service
//! summaries and per-endpoint tables, and metric-sample series, all from the
//! per-minute rollups.
//!
//! Histograms are merged in Postgres (unnest, sum per bucket, re-aggregate)
//! so only one histogram per output row crosses the wire — a 30-day chart is
//! a few hundred rows, not 43,200 — and quantiles are read in Rust with
//! [`LatencyHistogram`], the same code the accuracy tests check.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::metrics::ssr::histogram::LatencyHistogram;
use crate::metrics::{EndpointOrder, EndpointStats, LatencyPoint, MetricPoint, ServiceSummary};

/// Rollup rows matching `filter` (which may use `$3` = from, `$4` = to and
/// the caller's other parameters), merged per `key`: `key, count, errors,
/// sum_ms, max_ms, idx, cnt`, ordered by key.
fn merged_by(key: &str, filter: &str) -> String {
    format!(
        "WITH rows AS MATERIALIZED ( \
             SELECT {key} AS key, count, errors, sum_ms, max_ms, hist_idx, hist_cnt \
             FROM request_rollups_1m WHERE minute >= $3 AND minute < $4 AND {filter} \
         ), totals AS ( \
             SELECT key, sum(count)::bigint AS count, sum(errors)::bigint AS errors, \
                    sum(sum_ms) AS sum_ms, max(max_ms) AS max_ms \
             FROM rows GROUP BY key \
         ), buckets AS ( \
             SELECT key, h.i, sum(h.c)::bigint AS c \
             FROM rows CROSS JOIN LATERAL unnest(rows.hist_idx, rows.hist_cnt) AS h(i, c) \
             GROUP BY key, h.i \
         ), hists AS ( \
             SELECT key, array_agg(i ORDER BY i) AS idx, array_agg(c ORDER BY i) AS cnt FROM buckets GROUP BY key \
         ) \
         SELECT totals.key, count, errors, sum_ms, max_ms, idx, cnt FROM totals JOIN hists USING (key) ORDER BY key"
    )
}

/// One merged group: totals plus its histogram.
#[derive(Clone, Debug)]
pub struct Merged<K> {
    pub key: K,
    pub count: i64,
    pub errors: i64,
    pub sum_ms: f64,
    pub max_ms: f64,
    pub histogram: LatencyHistogram,
}

impl<K> Merged<K> {
    /// Adds `other`'s requests to these.
    pub fn merge(&mut self, other: &Merged<K>) {
        self.count += other.count;
        self.errors += other.errors;
        self.sum_ms += other.sum_ms;
        self.max_ms = self.max_ms.max(other.max_ms);
        self.histogram.merge(&other.histogram);
    }

    fn from_row(row: &PgRow) -> sqlx::Result<Self>
    where
        K: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        use sqlx::Row;
        let idx: Vec<i32> = row.try_get("idx")?;
        let cnt: Vec<i64> = row.try_get("cnt")?;
        Ok(Merged {
            key: row.try_get("key")?,
            count: row.try_get("count")?,
            errors: row.try_get("errors")?,
            sum_ms: row.try_get("sum_ms")?,
            max_ms: row.try_get("max_ms")?,
            histogram: LatencyHistogram::from_sparse(&idx, &cnt),
        })
    }

    /// A quantile, never above the exact maximum (which the rollups keep).
    pub fn quantile(&self, q: f64) -> f64 {
        self.histogram.quantile(q).map_or(0.0, |v| v.min(self.max_ms))
    }

    pub fn avg_ms(&self) -> f64 {
        if self.count > 0 {
            self.sum_ms / self.count as f64
        } else {
            0.0
        }
    }

    pub fn error_rate(&self) -> f64 {
        if self.count > 0 {
            self.errors as f64 / self.count as f64
        } else {
            0.0
        }
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
    let sql = merged_by("minute", "service = $1 AND ($2::text IS NULL OR endpoint = $2)");
    let rows = sqlx::query(&sql)
        .bind(service)
        .bind(endpoint)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await?;
    rows.iter().map(Merged::from_row).collect()
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
    let step_secs = step.num_seconds().max(60);
    let sql = merged_by(
        "date_bin($5::bigint * INTERVAL '1 second', minute, $3)",
        "service = $1 AND ($2::text IS NULL OR endpoint = $2)",
    );
    let rows = sqlx::query(&sql)
        .bind(service)
        .bind(endpoint)
        .bind(from)
        .bind(to)
        .bind(step_secs)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let m = Merged::<DateTime<Utc>>::from_row(row)?;
            Ok(LatencyPoint {
                t: m.key,
                count: m.count,
                errors: m.errors,
                avg_ms: m.avg_ms(),
                p50_ms: m.quantile(0.50),
                p95_ms: m.quantile(0.95),
                p99_ms: m.quantile(0.99),
                max_ms: m.max_ms,
            })
        })
        .collect()
}

/// Every service with requests in `[from, to)`, by name.
#[tracing::instrument(skip(conn), err)]
pub async fn service_summary(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<ServiceSummary>> {
    // $1 and $2 are unused placeholders so every query shares merged_by's numbering.
    let sql = merged_by("service", "$1::text IS NULL AND $2::text IS NULL");
    let rows = sqlx::query(&sql)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await?;
    let seconds = (to - from).num_milliseconds().max(1) as f64 / 1000.0;
    rows.iter()
        .map(|row| {
            let m = Merged::<String>::from_row(row)?;
            Ok(ServiceSummary {
                throughput_per_s: m.count as f64 / seconds,
                error_rate: m.error_rate(),
                p95_ms: m.quantile(0.95),
                requests: m.count,
                errors: m.errors,
                service: m.key,
            })
        })
        .collect()
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
    let sql = merged_by("endpoint", "service = $1 AND $2::text IS NULL");
    let rows = sqlx::query(&sql)
        .bind(service)
        .bind(None::<String>)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await?;
    let mut stats = rows
        .iter()
        .map(|row| {
            let m = Merged::<String>::from_row(row)?;
            Ok(EndpointStats {
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
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
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
                sum(sum) / sum(count) AS avg, \
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
