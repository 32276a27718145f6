//! Storing an OTLP metrics export: the cumulative series' last points are
//! locked and compared (`advance`), and the samples, the request rollups
//! and the series' new last points are written in one transaction that
//! first claims the export's `Idempotency-Key`. The answer is given only
//! after the commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Row};

use super::advance::{Delta, Previous, advance};
use super::samples::{requests_of, samples_of};
use super::{Point, Series};
use crate::ingest_batches::{self, Claim};
use crate::metrics::IngestBatch;
use crate::metrics::ssr::merged::Merged;
use crate::metrics::ssr::rollup::{RollupRows, Tier, into_tiers};
use crate::metrics::ssr::{partitions, store::store_batch};

/// How long after its last histogram a service's server spans stay uncounted.
pub const HISTOGRAMS_WIN_FOR: &str = "1 hour";

#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Committed now: this many samples, and requests counted from histograms.
    Committed { samples: usize, requests: i64 },
    /// The same key's export was committed before, with this many points.
    Duplicate { accepted: usize },
}

/// Stores what `points` add, in one transaction (claiming `claim` first).
#[tracing::instrument(skip_all, fields(points = points.len()), err)]
pub async fn store(db: &PgPool, claim: Option<Claim<'_>>, points: &[Point]) -> sqlx::Result<Stored> {
    let mut tx = db.begin().await?;
    if let Some(claim) = claim
        && let Some(accepted) = ingest_batches::claim(&mut tx, claim, points.len()).await?
    {
        tx.rollback().await?;
        return Ok(Stored::Duplicate { accepted });
    }
    let cumulative: BTreeSet<&Series> = points
        .iter()
        .filter(|point| point.is_cumulative())
        .map(|point| &point.series)
        .collect();
    let mut last = lock_last(&mut tx, &cumulative).await?;
    let mut ordered: Vec<&Point> = points.iter().collect();
    ordered.sort_by_key(|point| point.ts);
    let mut samples = Vec::new();
    let mut per_minute: HashMap<(&str, &str, DateTime<Utc>), Merged<()>> = HashMap::new();
    let mut changed = BTreeSet::new();
    for point in ordered {
        let (delta, now) = advance(last.get(&point.series), point);
        if let Some(now) = now {
            last.insert(point.series.clone(), now);
            changed.insert(&point.series);
        }
        let Some(delta) = delta else { continue };
        samples.extend(samples_of(point, &delta));
        if let (Delta::Distribution(distribution), Some(series)) = (&delta, &point.requests)
            && let Some(merged) = requests_of(point, distribution)
        {
            let minute = Tier::EndpointMinute.start_of(point.ts);
            per_minute
                .entry((point.series.service.as_str(), series.endpoint.as_str(), minute))
                .or_insert_with(|| Merged::new(()))
                .merge(&merged);
        }
    }
    let stored = samples.len();
    store_batch(
        &mut tx,
        &IngestBatch {
            requests: Vec::new(),
            samples,
        },
    )
    .await?;
    let requests = store_requests(&mut tx, per_minute).await?;
    save_last(
        &mut tx,
        changed
            .into_iter()
            .filter_map(|series| Some((series, last.get(series)?))),
    )
    .await?;
    tx.commit().await?;
    Ok(Stored::Committed {
        samples: stored,
        requests,
    })
}

/// Adds requests merged per (service, endpoint, minute) to every rollup
/// tier and marks their services as counted by histograms. Returns how many.
async fn store_requests(
    conn: &mut PgConnection,
    per_minute: HashMap<(&str, &str, DateTime<Utc>), Merged<()>>,
) -> sqlx::Result<i64> {
    if per_minute.is_empty() {
        return Ok(0);
    }
    let requests = per_minute.values().map(|merged| merged.count).sum();
    let days: BTreeSet<NaiveDate> = per_minute.keys().map(|(_, _, minute)| minute.date_naive()).collect();
    let services: BTreeSet<&str> = per_minute.keys().map(|(service, _, _)| *service).collect();
    partitions::ensure_days(&mut *conn, &days.into_iter().collect::<Vec<_>>()).await?;
    RollupRows::of_tiers(&into_tiers(per_minute)).write(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO request_histogram_services (service, seen_at) \
         SELECT service, now() FROM unnest($1::text[]) AS s(service) ORDER BY service \
         ON CONFLICT (service) DO UPDATE SET seen_at = EXCLUDED.seen_at",
    )
    .bind(services.into_iter().collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(requests)
}

/// Of `services`, those whose requests are counted from histograms now.
pub async fn counted_by_histograms(db: &PgPool, services: &[&str]) -> sqlx::Result<HashSet<String>> {
    if services.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "SELECT service FROM request_histogram_services \
         WHERE service = ANY($1) AND seen_at > now() - INTERVAL '{HISTOGRAMS_WIN_FOR}'"
    );
    let rows: Vec<(String,)> = sqlx::query_as(&sql).bind(services).fetch_all(db).await?;
    Ok(rows.into_iter().map(|(service,)| service).collect())
}

fn labels_text(series: &Series) -> String {
    // A BTreeMap serialises with sorted keys; it cannot fail for string maps.
    serde_json::to_string(&series.labels).unwrap_or_else(|_| "{}".into())
}

/// The series' last points, locked until the transaction ends (in key
/// order, so two exports of the same series queue instead of deadlocking).
async fn lock_last(conn: &mut PgConnection, series: &BTreeSet<&Series>) -> sqlx::Result<HashMap<Series, Previous>> {
    if series.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT c.service, c.name, c.labels::text AS labels, c.start_ts, c.ts, c.count, c.sum, c.bounds, c.buckets \
         FROM otlp_cumulative c \
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(service, name, labels) \
           ON c.service = k.service AND c.name = k.name AND c.labels = k.labels::jsonb \
         ORDER BY c.service, c.name, c.labels FOR UPDATE OF c",
    )
    .bind(series.iter().map(|s| s.service.as_str()).collect::<Vec<_>>())
    .bind(series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())
    .bind(series.iter().map(|s| labels_text(s)).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    let mut last = HashMap::with_capacity(rows.len());
    for row in rows {
        let labels: String = row.try_get("labels")?;
        let labels: BTreeMap<String, String> =
            serde_json::from_str(&labels).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        let series = Series {
            service: row.try_get("service")?,
            name: row.try_get("name")?,
            labels,
        };
        let previous = Previous {
            start: row.try_get("start_ts")?,
            ts: row.try_get("ts")?,
            count: row.try_get("count")?,
            sum: row.try_get("sum")?,
            bounds: row.try_get("bounds")?,
            buckets: row.try_get("buckets")?,
        };
        last.insert(series, previous);
    }
    Ok(last)
}

/// `{1,2,3}`: an array literal Postgres casts to `float8[]`.
fn floats(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("{{{}}}", items.join(","))
}

async fn save_last<'a>(
    conn: &mut PgConnection,
    rows: impl Iterator<Item = (&'a Series, &'a Previous)>,
) -> sqlx::Result<()> {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO otlp_cumulative AS c (service, name, labels, start_ts, ts, count, sum, bounds, buckets) \
         SELECT service, name, labels::jsonb, start_ts, ts, count, sum, bounds::float8[], buckets::float8[] \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], \
                     $6::float8[], $7::float8[], $8::text[], $9::text[]) \
              AS s(service, name, labels, start_ts, ts, count, sum, bounds, buckets) \
         ORDER BY service, name, labels::jsonb \
         ON CONFLICT (service, name, labels) DO UPDATE SET start_ts = EXCLUDED.start_ts, ts = EXCLUDED.ts, \
             count = EXCLUDED.count, sum = EXCLUDED.sum, bounds = EXCLUDED.bounds, buckets = EXCLUDED.buckets",
    )
    .bind(rows.iter().map(|(s, _)| s.service.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(s, _)| s.name.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|(s, _)| labels_text(s)).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.start).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.ts).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.count).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| p.sum).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| floats(&p.bounds)).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, p)| floats(&p.buckets)).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
