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
//!
//! The stores admins added (`data_store_targets`) are read by the one
//! instance holding [`TARGETS_LOCK`]: it looks every [`TARGETS_TICK`] (or
//! `OPSDECK_COLLECT_SECS`, if shorter) for the enabled targets whose own
//! interval has passed and reads each in a task of its own, within the
//! probe's timeout, so a slow or dead target holds up no other and a
//! failure (even a panic) stays in its task. Their samples carry the
//! service `pg:<name>` / `redis:<name>`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::datastores::OWN_POSTGRES;
use app::datastores::ssr::collect::{Collector, record_outcomes, record_status};
use app::datastores::ssr::statements::{self, Snapshots};
use app::datastores::ssr::targets::collect::TargetCollector;
use app::datastores::statements::StatementsState;
use app::metrics::{IngestBatch, MetricSample};
use app::state::AppState;
use tokio::sync::Mutex;

use crate::prometheus::COUNTERS;

/// Advisory lock key of the collector ('opsdeck store collector').
pub const COLLECTOR_LOCK: i64 = 7_202_612_180;
/// The most one store's reading may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Advisory lock key of the monitored targets' collector.
pub const TARGETS_LOCK: i64 = 7_202_612_181;
/// The sample of how long a target's reading took, in milliseconds.
pub const READ_MS: &str = "collector.read_ms";
/// How often the targets' collector looks for targets due.
pub const TARGETS_TICK: Duration = Duration::from_secs(5);

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

/// Reads the monitored targets that are due, each in a task of its own.
pub async fn run_targets(state: AppState, every: Duration) {
    let collector = Arc::new(TargetCollector::default());
    let round = || {
        let (state, collector) = (state.clone(), collector.clone());
        async move {
            let targets = match state.db.acquire().await {
                Ok(mut conn) => app::datastores::ssr::targets::enabled(&mut conn).await,
                Err(error) => Err(error),
            };
            let targets = match targets {
                Ok(targets) => targets,
                Err(error) => {
                    tracing::warn!(%error, "could not list the monitored data stores");
                    return;
                }
            };
            for target in collector.due(targets, std::time::Instant::now()) {
                tokio::spawn(read_target(state.clone(), collector.clone(), target));
            }
        }
    };
    let tick = every.min(TARGETS_TICK);
    crate::workers::leader::lead_every(state.db.clone(), TARGETS_LOCK, tick, "target collector", round).await;
}

async fn read_target(state: AppState, collector: Arc<TargetCollector>, target: app::datastores::ssr::targets::Enabled) {
    let reading = collector.read(&state.secrets, &target).await;
    let service = target.service.as_str();
    let took_ms = reading.took.as_millis() as u64;
    match (&reading.reason, reading.ok) {
        (Some(reason), false) => tracing::warn!(service, %reason, took_ms, "could not read a monitored data store"),
        _ => tracing::debug!(service, took_ms, "read a monitored data store"),
    }
    if let Err(error) = record_status(&state.db, service, reading.ok, reading.reason.as_deref()).await {
        tracing::warn!(service, %error, "could not record how a monitored data store's reading went");
    }
    // What reading it cost, as a sample of its own (the page can chart it).
    let mut samples = reading.samples;
    samples.push(MetricSample {
        service: service.to_string(),
        name: READ_MS.to_string(),
        value: reading.took.as_secs_f64() * 1000.0,
        labels: Default::default(),
        ts: chrono::Utc::now(),
        kind: app::metrics::MetricKind::Gauge,
    });
    let batch = IngestBatch {
        requests: Vec::new(),
        samples,
    };
    match crate::workers::self_monitor::store(&state, &batch).await {
        Ok(()) => publish(&state, &batch.samples).await,
        Err(error) => {
            COUNTERS.self_monitor_flush_failed();
            tracing::warn!(service, %error, "could not store a monitored data store's samples");
        }
    }
}

/// The running collectors; dropping it stops their loops.
pub struct StoreCollector(Vec<tokio::task::JoinHandle<()>>);

impl Drop for StoreCollector {
    fn drop(&mut self) {
        for handle in &self.0 {
            handle.abort();
        }
    }
}

/// Starts the collectors (own stores, added targets) at the interval the
/// monitoring settings give (Settings › Monitoring; zero: off), started
/// again when it changes.
pub fn spawn(state: AppState) -> StoreCollector {
    StoreCollector(vec![tokio::spawn(async move {
        let mut changes = state.monitoring.subscribe();
        loop {
            let secs = changes.borrow_and_update().settings.collect_secs;
            let every = Duration::from_secs(secs);
            // Aborted (their lock connections closed with them) when the interval changes.
            let running = (!every.is_zero()).then(|| {
                StoreCollector(vec![
                    tokio::spawn(run(state.clone(), every)),
                    tokio::spawn(run_targets(state.clone(), every)),
                ])
            });
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
    })])
}
