//! Writing a validated batch: raw rows plus rollups, in the caller's transaction.
//!
//! Per table and batch there is one statement: the batch goes over as one
//! array per column, `UNNEST` turns it back into rows, a data-modifying CTE
//! inserts the raw rows and the outer `INSERT … ON CONFLICT DO UPDATE` adds
//! the batch's per-minute aggregates to the rollups. The upsert takes a row
//! lock per rollup row, so concurrent batches for the same minute add up
//! instead of overwriting each other; rows are upserted in key order so two
//! batches touching the same keys queue rather than deadlock.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::metrics::ssr::histogram::bucket_index;
use crate::metrics::ssr::partitions;
use crate::metrics::{IngestBatch, MetricKind, MetricSample, RequestEvent};

/// Stores `batch` inside the caller's transaction (raw events and rollups).
///
/// Partitions for the batch's days are created first when missing (normally
/// the workers made them days ahead and this is a catalog look-up).
#[tracing::instrument(skip_all, fields(requests = batch.requests.len(), samples = batch.samples.len()), err)]
pub async fn store_batch(conn: &mut PgConnection, batch: &IngestBatch) -> sqlx::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let days: BTreeSet<NaiveDate> = batch
        .requests
        .iter()
        .map(|e| e.ts)
        .chain(batch.samples.iter().map(|s| s.ts))
        .map(|ts| ts.date_naive())
        .collect();
    partitions::ensure_days(&mut *conn, &days.into_iter().collect::<Vec<_>>()).await?;
    if !batch.requests.is_empty() {
        store_requests(&mut *conn, &batch.requests).await?;
    }
    if !batch.samples.is_empty() {
        store_samples(&mut *conn, &batch.samples).await?;
    }
    Ok(())
}

/// `date_bin` rather than `date_trunc`: independent of the session's TimeZone.
const MINUTE_OF_TS: &str = "date_bin(INTERVAL '1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')";

async fn store_requests(conn: &mut PgConnection, events: &[RequestEvent]) -> sqlx::Result<()> {
    let ts: Vec<DateTime<Utc>> = events.iter().map(|e| e.ts).collect();
    let service: Vec<&str> = events.iter().map(|e| e.service.as_str()).collect();
    let endpoint: Vec<&str> = events.iter().map(|e| e.endpoint.as_str()).collect();
    let method: Vec<&str> = events.iter().map(|e| e.method.as_str()).collect();
    let status: Vec<i16> = events.iter().map(|e| e.status).collect();
    let duration: Vec<f64> = events.iter().map(|e| e.duration_ms).collect();
    // Bucketed here, not in SQL, so stored and read-back buckets share one definition.
    let bucket: Vec<i32> = events.iter().map(|e| bucket_index(e.duration_ms)).collect();
    let sql = format!(
        "WITH ev AS ( \
             SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::float8[], $7::int4[]) \
                 AS e(ts, service, endpoint, method, status, duration_ms, bucket) \
         ), raw AS ( \
             INSERT INTO request_events (ts, service, endpoint, method, status, duration_ms) \
             SELECT ts, service, endpoint, method, status, duration_ms FROM ev \
         ), per_bucket AS ( \
             SELECT {MINUTE_OF_TS} AS minute, service, endpoint, bucket, count(*) AS n, \
                    count(*) FILTER (WHERE status >= 500) AS errors, \
                    sum(duration_ms) AS sum_ms, min(duration_ms) AS min_ms, max(duration_ms) AS max_ms \
             FROM ev GROUP BY 1, service, endpoint, bucket \
         ) \
         INSERT INTO request_rollups_1m AS r (minute, service, endpoint, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt) \
         SELECT minute, service, endpoint, sum(n)::bigint, sum(errors)::bigint, sum(sum_ms), min(min_ms), max(max_ms), \
                array_agg(bucket ORDER BY bucket), array_agg(n ORDER BY bucket) \
         FROM per_bucket GROUP BY minute, service, endpoint \
         ORDER BY service, endpoint, minute \
         ON CONFLICT (service, endpoint, minute) DO UPDATE SET \
             count = r.count + EXCLUDED.count, \
             errors = r.errors + EXCLUDED.errors, \
             sum_ms = r.sum_ms + EXCLUDED.sum_ms, \
             min_ms = least(r.min_ms, EXCLUDED.min_ms), \
             max_ms = greatest(r.max_ms, EXCLUDED.max_ms), \
             (hist_idx, hist_cnt) = ( \
                 SELECT m.idx, m.cnt FROM metrics_hist_merge(r.hist_idx, r.hist_cnt, EXCLUDED.hist_idx, EXCLUDED.hist_cnt) AS m \
             )"
    );
    sqlx::query(&sql)
        .bind(ts)
        .bind(service)
        .bind(endpoint)
        .bind(method)
        .bind(status)
        .bind(duration)
        .bind(bucket)
        .execute(conn)
        .await?;
    Ok(())
}

async fn store_samples(conn: &mut PgConnection, samples: &[MetricSample]) -> sqlx::Result<()> {
    let ts: Vec<DateTime<Utc>> = samples.iter().map(|s| s.ts).collect();
    let service: Vec<&str> = samples.iter().map(|s| s.service.as_str()).collect();
    let name: Vec<&str> = samples.iter().map(|s| s.name.as_str()).collect();
    // A BTreeMap serialises with sorted keys: one canonical text per label set.
    let labels: Vec<String> = samples
        .iter()
        .map(|s| serde_json::to_string(&s.labels))
        .collect::<Result<_, _>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let value: Vec<f64> = samples.iter().map(|s| s.value).collect();
    let kind: Vec<&str> = samples.iter().map(|s| kind_name(s.kind)).collect();
    let sql = format!(
        "WITH s AS ( \
             SELECT ts, service, name, labels::jsonb AS labels, value, kind, ord \
             FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[]) \
                 WITH ORDINALITY AS s(ts, service, name, labels, value, kind, ord) \
         ), raw AS ( \
             INSERT INTO metric_samples (ts, service, name, labels, value, kind) \
             SELECT ts, service, name, labels, value, kind FROM s \
         ) \
         INSERT INTO metric_rollups_1m AS r (minute, service, name, labels, kind, count, sum, min, max, last, last_ts) \
         SELECT {MINUTE_OF_TS}, service, name, labels, \
                (array_agg(kind ORDER BY ts DESC, ord DESC))[1], count(*), sum(value), min(value), max(value), \
                (array_agg(value ORDER BY ts DESC, ord DESC))[1], max(ts) \
         FROM s GROUP BY 1, service, name, labels \
         ORDER BY service, name, labels, 1 \
         ON CONFLICT (service, name, labels, minute) DO UPDATE SET \
             count = r.count + EXCLUDED.count, \
             sum = r.sum + EXCLUDED.sum, \
             min = least(r.min, EXCLUDED.min), \
             max = greatest(r.max, EXCLUDED.max), \
             last = CASE WHEN EXCLUDED.last_ts >= r.last_ts THEN EXCLUDED.last ELSE r.last END, \
             kind = CASE WHEN EXCLUDED.last_ts >= r.last_ts THEN EXCLUDED.kind ELSE r.kind END, \
             last_ts = greatest(r.last_ts, EXCLUDED.last_ts)"
    );
    sqlx::query(&sql)
        .bind(ts)
        .bind(service)
        .bind(name)
        .bind(labels)
        .bind(value)
        .bind(kind)
        .execute(conn)
        .await?;
    Ok(())
}

fn kind_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Gauge => "gauge",
        MetricKind::Counter => "counter",
    }
}
