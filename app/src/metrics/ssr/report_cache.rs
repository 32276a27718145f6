//! What the Performance page reads from the rollups, shared between viewers
//! for a few seconds: a team watching the same service asks the same
//! question, and one answer serves them all.
//!
//! An entry is keyed by the question (service, endpoint, range; a custom
//! range's bounds) and remembers the window start it answered (preset ranges
//! move with the clock, a step at a time) and the service's *generation* it
//! was computed at; this instance's live reader bumps the generation
//! whenever a stored batch for the service is announced (through Redis, so
//! batches ingested by any instance count). An entry is fresh for [`FRESH`]
//! while its window start and generation are current. A stale entry is still served, once
//! per request, while one background task computes its replacement
//! ("stale-while-revalidate"): viewers never wait for a recomputation they
//! did not need, and an answer is at most one computation behind the data
//! the live stream announced. A missing entry is computed while its
//! requests wait (concurrent misses for one key share the computation).
//! Entries unused for [`KEEP`] are dropped. Deployment markers and the
//! service list are not cached (they change without ingest).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::metrics::window::TimeRange;
use crate::metrics::{EndpointStats, LatencyPoint};

/// How long an answer counts as fresh when no new data arrived.
pub const FRESH: Duration = Duration::from_secs(5);
/// How long a stale answer may still be served while it is recomputed.
const KEEP: Duration = Duration::from_secs(120);
/// Most answers kept (a 24-hour report is ~75 kB).
const CAPACITY: u64 = 256;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportKey {
    pub service: String,
    pub endpoint: Option<String>,
    pub range: TimeRange,
    /// A custom range's bounds; preset ranges end "now".
    pub custom: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The rollup part of a Performance report.
#[derive(Clone, Debug, PartialEq)]
pub struct RollupReport {
    pub series: Vec<LatencyPoint>,
    pub overall: Option<LatencyPoint>,
    /// Every endpoint with requests in the window, slowest (P95) first.
    pub endpoints: Vec<EndpointStats>,
}

struct Entry {
    report: Arc<RollupReport>,
    computed: Instant,
    /// The (aligned) start of the window answered.
    from: DateTime<Utc>,
    generation: u64,
    /// Set while a background task computes the replacement.
    refreshing: AtomicBool,
}

impl Entry {
    fn new(report: RollupReport, computed: Instant, from: DateTime<Utc>, generation: u64) -> Arc<Entry> {
        Arc::new(Entry {
            report: Arc::new(report),
            computed,
            from,
            generation,
            refreshing: AtomicBool::new(false),
        })
    }
}

#[derive(Clone)]
pub struct ReportCache {
    reports: moka::future::Cache<ReportKey, Arc<Entry>>,
    generations: Arc<Mutex<HashMap<String, u64>>>,
}

impl Default for ReportCache {
    fn default() -> Self {
        ReportCache {
            reports: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(KEEP)
                .build(),
            generations: Arc::default(),
        }
    }
}

impl ReportCache {
    /// New data for `service` was stored: its cached answers are outdated.
    pub fn touched(&self, service: &str) {
        let mut generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        // Called for every live point: allocate the name only the first time.
        match generations.get_mut(service) {
            Some(generation) => *generation += 1,
            None => {
                generations.insert(service.to_string(), 1);
            }
        }
    }

    fn generation(&self, service: &str) -> u64 {
        let generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        generations.get(service).copied().unwrap_or_default()
    }

    /// The answer for `key` over the window starting at `from`: a kept one
    /// (starting one background recomputation when it is stale), or the
    /// result of `compute` when none is kept. Errors are not kept.
    pub async fn get_or_compute<F, Fut>(
        &self,
        key: ReportKey,
        from: DateTime<Utc>,
        compute: F,
    ) -> Result<Arc<RollupReport>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<RollupReport, AppError>> + Send + 'static,
    {
        let generation = self.generation(&key.service);
        if let Some(entry) = self.reports.get(&key).await {
            let fresh = entry.from == from && entry.generation == generation && entry.computed.elapsed() < FRESH;
            if !fresh && !entry.refreshing.swap(true, Ordering::AcqRel) {
                let (reports, started, pending) = (self.reports.clone(), Instant::now(), compute());
                let stale = entry.clone();
                tokio::spawn(async move {
                    match pending.await {
                        Ok(report) => reports.insert(key, Entry::new(report, started, from, generation)).await,
                        Err(error) => {
                            tracing::warn!(%error, "could not refresh a shared Performance report");
                            stale.refreshing.store(false, Ordering::Release);
                        }
                    }
                });
            }
            return Ok(entry.report.clone());
        }
        let started = Instant::now();
        let entry = self
            .reports
            .try_get_with(key, async {
                compute()
                    .await
                    .map(|report| Entry::new(report, started, from, generation))
            })
            .await
            .map_err(|error| (*error).clone())?;
        Ok(entry.report.clone())
    }
}
