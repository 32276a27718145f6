//! What the Performance page reads from the rollups, shared between viewers
//! for a few seconds: a team watching the same service asks the same
//! question, and one answer serves them all.
//!
//! An entry is keyed by what determines its answer (service, endpoint, range,
//! the window's aligned start) plus the service's *generation*, which this
//! instance's live reader bumps whenever a stored batch for the service is
//! announced (through Redis, so batches ingested by any instance count). So
//! a page never shows less than what the live stream has already announced;
//! without new data an entry lives [`TTL`]. Concurrent misses for one key
//! wait for a single computation. Deployment markers and the service list
//! are not cached (they change without ingest).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::metrics::pages::TimeRange;
use crate::metrics::{EndpointStats, LatencyPoint};

/// How long an answer is reused when no new data arrived.
pub const TTL: Duration = Duration::from_secs(5);
/// Most answers kept (a 24-hour report is ~75 kB).
const CAPACITY: u64 = 256;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportKey {
    pub service: String,
    pub endpoint: Option<String>,
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    /// The end of a custom range; preset ranges end "now".
    pub custom_to: Option<DateTime<Utc>>,
}

/// The rollup part of a Performance report.
#[derive(Clone, Debug, PartialEq)]
pub struct RollupReport {
    pub series: Vec<LatencyPoint>,
    pub overall: Option<LatencyPoint>,
    /// Every endpoint with requests in the window, slowest (P95) first.
    pub endpoints: Vec<EndpointStats>,
}

#[derive(Clone)]
pub struct ReportCache {
    reports: moka::future::Cache<(ReportKey, u64), Arc<RollupReport>>,
    generations: Arc<Mutex<HashMap<String, u64>>>,
}

impl Default for ReportCache {
    fn default() -> Self {
        ReportCache {
            reports: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
            generations: Arc::default(),
        }
    }
}

impl ReportCache {
    /// New data for `service` was stored: its cached answers are outdated.
    pub fn touched(&self, service: &str) {
        let mut generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        *generations.entry(service.to_string()).or_default() += 1;
    }

    fn generation(&self, service: &str) -> u64 {
        let generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        generations.get(service).copied().unwrap_or_default()
    }

    /// The answer for `key`, computed by `compute` unless a fresh one is
    /// kept (or being computed). Errors are not kept.
    pub async fn get_or_compute<F>(&self, key: ReportKey, compute: F) -> Result<Arc<RollupReport>, AppError>
    where
        F: Future<Output = Result<RollupReport, AppError>>,
    {
        let generation = self.generation(&key.service);
        self.reports
            .try_get_with((key, generation), async { compute.await.map(Arc::new) })
            .await
            .map_err(|error| (*error).clone())
    }
}
