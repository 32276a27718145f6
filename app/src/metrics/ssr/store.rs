//! Writing a validated batch: raw rows plus rollups, in the caller's transaction.
//!
//! Request events go over as one binary `COPY` ([`super::copy`]) and their
//! aggregates, computed in Rust, as one statement into the four rollup tiers
//! ([`super::rollup`]). Metric samples are one statement: the batch as one
//! array per column, `UNNEST` back into rows, a data-modifying CTE inserting
//! the raw rows and the outer `INSERT … ON CONFLICT DO UPDATE` adding the
//! per-minute aggregates (row locks taken in key order, so two batches
//! touching the same keys queue rather than deadlock).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::metrics::ssr::{copy, partitions, rollup};
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

/// Raw rows by binary `COPY`, then the batch's aggregates into every rollup tier.
async fn store_requests(conn: &mut PgConnection, events: &[RequestEvent]) -> sqlx::Result<()> {
    copy::copy_request_events(&mut *conn, events).await?;
    rollup::add(conn, events).await
}

/// `r.sum + EXCLUDED.sum`, saturating at f64's largest magnitude instead of
/// failing with "value out of range" (which refused the batch, and every
/// later one adding to that minute). Halving is exact, and halves cannot
/// overflow when added, so their sum says whether the whole one would.
const SATURATING_SUM: &str = "CASE WHEN abs(r.sum / 2 + EXCLUDED.sum / 2) < 8.98846567431157e307 \
                              THEN r.sum + EXCLUDED.sum \
                              ELSE sign(r.sum / 2 + EXCLUDED.sum / 2) * '1.7976931348623157e308'::float8 END";

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
             sum = {SATURATING_SUM}, \
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
