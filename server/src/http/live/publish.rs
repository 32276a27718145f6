//! The writing side of the fan-out: after a batch commits, its touched
//! (service, minute) points are read back from the rollups and appended to
//! the Redis stream.
//!
//! Publishing is best-effort (the batch is committed and answered already),
//! but a point that could not be published while Redis was down is not
//! dropped: its (service, minute) is remembered and published again, read
//! fresh from Postgres, as soon as Redis answers — by a retry with backoff,
//! or earlier by the next batch, which carries the missed points along.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use app::errors::live::IssueUpdate;
use app::metrics::{IngestBatch, LivePoint, MetricSample};
use app::redis_handle::capped_xadd;
use app::state::{AppState, RedisHandle};

use super::{MAX_LEN, RETRY, RETRY_MAX, STREAM};
use crate::prometheus::COUNTERS;

/// Most (service, minute) points remembered while Redis is down; beyond
/// this the oldest are forgotten (the charts' history still has them).
const MAX_MISSED: usize = 10_000;

/// A point to publish: its minute first, so the oldest go first.
type Key = (DateTime<Utc>, String);

/// This instance's publisher; clones share what is waiting to be published.
#[derive(Clone, Default)]
pub struct Publisher {
    missed: Arc<Mutex<Missed>>,
}

#[derive(Default)]
struct Missed {
    keys: BTreeSet<Key>,
    /// A retry task is running (it exits once `keys` is empty).
    retrying: bool,
}

impl Publisher {
    /// Publishes the live points `batch` changed; call after its commit.
    pub async fn publish(&self, state: &AppState, batch: &IngestBatch) {
        let touched: BTreeSet<Key> = batch
            .requests
            .iter()
            .map(|event| (minute_of(event.ts), event.service.clone()))
            .collect();
        if touched.is_empty() {
            return;
        }
        self.publish_with_missed(state, touched).await;
    }

    /// Publishes `keys` and whatever is waiting; remembers all of them (and
    /// starts the retry) when that fails. Whether it succeeded.
    async fn publish_with_missed(&self, state: &AppState, mut keys: BTreeSet<Key>) -> bool {
        keys.append(&mut self.lock().keys);
        if keys.is_empty() {
            return true;
        }
        match publish_points(state, &keys).await {
            Ok(()) => true,
            Err(error) => {
                COUNTERS.live_publish_failed();
                tracing::warn!(
                    error = format!("{error:#}"),
                    points = keys.len(),
                    "could not publish stored points to the live view; will retry"
                );
                self.remember(state, keys);
                false
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Missed> {
        self.missed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, state: &AppState, mut keys: BTreeSet<Key>) {
        let mut missed = self.lock();
        missed.keys.append(&mut keys);
        while missed.keys.len() > MAX_MISSED {
            missed.keys.pop_first();
        }
        if !missed.retrying {
            missed.retrying = true;
            tokio::spawn(self.clone().retry(state.clone()));
        }
    }

    /// Publishes what is waiting, with backoff, until nothing is.
    async fn retry(self, state: AppState) {
        let mut pause = RETRY;
        loop {
            tokio::time::sleep(pause).await;
            {
                let mut missed = self.lock();
                if missed.keys.is_empty() {
                    missed.retrying = false;
                    return;
                }
            }
            // A failure puts the points back (this task is still `retrying`).
            if !self.publish_with_missed(&state, BTreeSet::new()).await {
                pause = (pause * 2).min(RETRY_MAX);
            }
        }
    }

    /// How many points wait to be published (for tests and the log).
    pub fn waiting(&self) -> usize {
        self.lock().keys.len()
    }
}

fn minute_of(ts: DateTime<Utc>) -> DateTime<Utc> {
    ts.duration_trunc(TimeDelta::minutes(1)).unwrap_or(ts)
}

/// Reads each (minute, service) back from the rollups, one query, and
/// appends one stream entry per point, one round trip.
async fn publish_points(state: &AppState, keys: &BTreeSet<Key>) -> anyhow::Result<()> {
    let keys: Vec<(&str, DateTime<Utc>)> = keys
        .iter()
        .map(|(minute, service)| (service.as_str(), *minute))
        .collect();
    let points: Vec<LivePoint> = {
        let mut conn = state.db.acquire().await.context("acquiring a connection")?;
        app::metrics::ssr::queries::service_minute_points(&mut conn, &keys)
            .await
            .context("reading the rollups back")?
            .into_iter()
            .map(|(service, point)| LivePoint { service, point })
            .collect()
    };
    let key = state.redis.key(STREAM);
    let mut pipe = redis::pipe();
    for point in &points {
        let json = serde_json::to_string(point)?;
        pipe.add_command(capped_xadd(
            &key,
            MAX_LEN,
            &[("service", &point.service), ("point", &json)],
        ))
        .ignore();
    }
    let mut conn = state.redis.connection().await.context("connecting to Redis")?;
    pipe.query_async::<()>(&mut conn).await.context("XADD")?;
    Ok(())
}

/// Tells every browser watching alerts the firing counts (best-effort, like
/// points); whether they were published (the evaluator sends them again next
/// cycle when not).
pub async fn publish_alert_counts(redis: &RedisHandle, counts: &[(app::alerts::Severity, i64)]) -> bool {
    let result: anyhow::Result<()> = async {
        let json = serde_json::to_string(counts)?;
        let mut conn = redis.connection().await?;
        capped_xadd(&redis.key(STREAM), MAX_LEN, &[("alerts", &json)])
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }
    .await;
    published(result, "the alert counts")
}

/// Tells the Errors pages watching which issues committed events touched
/// (best-effort: a page that misses one still shows it on its next load).
pub async fn publish_issue_updates(redis: &RedisHandle, updates: &[IssueUpdate]) -> bool {
    if updates.is_empty() {
        return true;
    }
    let result: anyhow::Result<()> = async {
        let mut pipe = redis::pipe();
        for update in updates {
            let json = serde_json::to_string(update)?;
            pipe.add_command(capped_xadd(
                &redis.key(STREAM),
                MAX_LEN,
                &[("issue", &json), ("service", &update.service)],
            ))
            .ignore();
        }
        let mut conn = redis.connection().await?;
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }
    .await;
    published(result, "error issue updates")
}

/// Publishes one data store's samples of a collector round (`samples`
/// events, for the Data stores page's live charts).
pub async fn publish_store_samples(redis: &RedisHandle, service: &str, samples: &[MetricSample]) -> bool {
    let result: anyhow::Result<()> = async {
        let json = serde_json::to_string(samples)?;
        let mut conn = redis.connection().await?;
        capped_xadd(&redis.key(STREAM), MAX_LEN, &[("samples", &json), ("service", service)])
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }
    .await;
    published(result, "data store samples")
}

/// Whether `result` published `what`; a failure is logged and counted.
fn published(result: anyhow::Result<()>, what: &str) -> bool {
    if let Err(error) = &result {
        COUNTERS.live_publish_failed();
        tracing::warn!(
            error = format!("{error:#}"),
            "could not publish {what} to the live view"
        );
    }
    result.is_ok()
}
