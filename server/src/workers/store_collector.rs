//! Opsdeck's own Postgres and Redis, read in depth every
//! `OPSDECK_COLLECT_SECS` by the one instance holding [`COLLECTOR_LOCK`]
//! (another takes over when it dies, `leader.rs`) and stored as metric
//! samples through the metrics pipeline (`app::datastores`): charts,
//! rollups, retention and alert rules work on them unchanged.
//!
//! Every few minutes it also keeps what `pg_stat_statements` counted since
//! the last time (`statements`), for the page's top queries.
//!
//! Each store is read within [`TIMEOUT`]; one that cannot be read is
//! stored as down (`pg.up` / `redis.up` 0), the reason recorded for the
//! Data stores page and logged, and the other is read all the same.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::datastores::OWN_POSTGRES;
use app::datastores::ssr::collect::{Collector, record_outcomes};
use app::datastores::ssr::statements::{self, Snapshots};
use app::datastores::statements::StatementsState;
use app::metrics::{IngestBatch, MetricSample};
use app::state::AppState;
use tokio::sync::Mutex;

use crate::prometheus::COUNTERS;

/// Advisory lock key of the collector ('opsdeck store collector').
pub const COLLECTOR_LOCK: i64 = 7_202_612_180;
/// The most one store's reading may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(state: AppState, every: Duration) {
    let collector = Arc::new(Mutex::new(Collector::new(TIMEOUT.min(every))));
    let snapshots = Arc::new(Mutex::new(Statements::default()));
    let round = || {
        let (state, collector, snapshots) = (state.clone(), collector.clone(), snapshots.clone());
        async move {
            snapshot_statements(&state, &mut *snapshots.lock().await).await;
            let mut round = collector.lock().await.own_stores(&state.db, &state.redis).await;
            for (store, reason) in &round.outcomes {
                if let Some(reason) = reason {
                    tracing::warn!(store, %reason, "could not read a data store");
                }
            }
            if let Err(error) = record_outcomes(&state.db, &round).await {
                tracing::warn!(%error, "could not record how the data stores' reading went");
            }
            let batch = IngestBatch {
                requests: Vec::new(),
                samples: std::mem::take(&mut round.samples),
            };
            match crate::workers::self_monitor::store(&state, &batch).await {
                Ok(()) => publish(&state, &batch.samples).await,
                Err(error) => {
                    COUNTERS.self_monitor_flush_failed();
                    tracing::warn!(%error, samples = batch.samples.len(), "could not store the data stores' samples");
                }
            }
        }
    };
    crate::workers::leader::lead_every(state.db.clone(), COLLECTOR_LOCK, every, "store collector", round).await;
}

/// Each store's stored samples to the Data stores pages watching live.
async fn publish(state: &AppState, samples: &[MetricSample]) {
    let mut services: Vec<&str> = samples.iter().map(|sample| sample.service.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    for service in services {
        let of_service: Vec<MetricSample> = samples.iter().filter(|s| s.service == service).cloned().collect();
        crate::http::live::publish_store_samples(&state.redis, service, &of_service).await;
    }
}

/// The top queries' snapshots and when the last was taken.
#[derive(Default)]
struct Statements {
    snapshots: Snapshots,
    taken: Option<Instant>,
}

/// Every [`statements::EVERY`]: a snapshot of Opsdeck's own Postgres's
/// `pg_stat_statements` (the Data stores page's top queries).
async fn snapshot_statements(state: &AppState, kept: &mut Statements) {
    if kept.taken.is_some_and(|at| at.elapsed() < statements::EVERY) {
        return;
    }
    kept.taken = Some(Instant::now());
    let taken = match state.db.acquire().await {
        Ok(mut conn) => statements::snapshot(&state.db, &mut conn, OWN_POSTGRES, &mut kept.snapshots).await,
        Err(error) => Err(StatementsState::Unreadable(error.to_string())),
    };
    match taken {
        Ok(statements) => tracing::debug!(statements, "took a top-queries snapshot"),
        // The page says how to enable the extension; nothing to log each time.
        Err(StatementsState::NotInstalled | StatementsState::NotPreloaded) => {}
        Err(problem) => tracing::warn!(?problem, "could not take a top-queries snapshot"),
    }
}

/// The running collector; dropping it stops the loop.
pub struct StoreCollector(tokio::task::JoinHandle<()>);

impl Drop for StoreCollector {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the collector; `None` when `every` is zero (collecting is off).
pub fn spawn(state: AppState, every: Duration) -> Option<StoreCollector> {
    (!every.is_zero()).then(|| StoreCollector(tokio::spawn(run(state, every))))
}
