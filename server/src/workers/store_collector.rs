//! Opsdeck's own Postgres and Redis, read in depth every
//! `OPSDECK_COLLECT_SECS` by the one instance holding [`COLLECTOR_LOCK`]
//! (another takes over when it dies, `leader.rs`) and stored as metric
//! samples through the metrics pipeline (`app::datastores`): charts,
//! rollups, retention and alert rules work on them unchanged.
//!
//! Each store is read within [`TIMEOUT`]; one that cannot be read is
//! stored as down (`pg.up` / `redis.up` 0), the reason recorded for the
//! Data stores page and logged, and the other is read all the same.

use std::sync::Arc;
use std::time::Duration;

use app::datastores::ssr::collect::{Collector, record_outcomes};
use app::metrics::IngestBatch;
use app::state::AppState;
use tokio::sync::Mutex;

use crate::prometheus::COUNTERS;

/// Advisory lock key of the collector ('opsdeck store collector').
pub const COLLECTOR_LOCK: i64 = 7_202_612_180;
/// The most one store's reading may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(state: AppState, every: Duration) {
    let collector = Arc::new(Mutex::new(Collector::new(TIMEOUT.min(every))));
    let round = || {
        let (state, collector) = (state.clone(), collector.clone());
        async move {
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
            if let Err(error) = crate::workers::self_monitor::store(&state, &batch).await {
                COUNTERS.self_monitor_flush_failed();
                tracing::warn!(%error, samples = batch.samples.len(), "could not store the data stores' samples");
            }
        }
    };
    crate::workers::leader::lead_every(state.db.clone(), COLLECTOR_LOCK, every, "store collector", round).await;
}

/// The running collector; dropping it stops the loop.
pub struct StoreCollector(tokio::task::JoinHandle<()>);

impl Drop for StoreCollector {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the collector at the interval the monitoring settings give
/// (Settings › Monitoring; zero: off), started again when it changes.
pub fn spawn(state: AppState) -> StoreCollector {
    StoreCollector(tokio::spawn(async move {
        let mut changes = state.monitoring.subscribe();
        loop {
            let secs = changes.borrow_and_update().settings.collect_secs;
            let every = Duration::from_secs(secs);
            // Aborted (its lock connection closed with it) when the interval changes.
            let running = (!every.is_zero()).then(|| StoreCollector(tokio::spawn(run(state.clone(), every))));
            loop {
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
                if changes.borrow_and_update().settings.collect_secs != secs {
                    break;
                }
            }
            drop(running);
        }
    }))
}
