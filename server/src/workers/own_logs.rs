//! Opsdeck's own log lines into the logs store (every instance): drains
//! this instance's sink (`telemetry::own_logs`), fills in the host name and
//! stores the lines like any sender's (`http::log_lines`), as service
//! `opsdeck`, so they are searched and tailed with the rest.
//!
//! The sink is bounded (events past it are dropped and counted by the
//! layer); a batch that cannot be stored is dropped and counted too
//! (`opsdeck_own_logs_flush_failures_total`), with a note on stderr only:
//! this worker's own events are never stored, or a broken store would feed
//! on its own failures.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use app::logs::NewLogLine;
use app::logs::ingest::{TimeWindow, check};
use app::state::AppState;

use crate::prometheus::COUNTERS;

/// Lines the sink holds before new events are dropped.
pub const BUFFER: usize = 10_000;
/// Most lines per stored batch.
const BATCH: usize = 1_000;
/// How long a line may wait for others to share its batch.
const GATHER: Duration = Duration::from_millis(250);
/// Pause after a failed store.
const AFTER_FAILURE: Duration = Duration::from_secs(1);

/// The running worker; dropping it stops it (and closes the sink).
pub struct OwnLogs(tokio::task::JoinHandle<()>);

impl Drop for OwnLogs {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState, sink: mpsc::Receiver<NewLogLine>) -> OwnLogs {
    OwnLogs(tokio::spawn(run(state, sink, host_name())))
}

async fn run(state: AppState, mut sink: mpsc::Receiver<NewLogLine>, host: String) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        if sink.recv_many(&mut batch, BATCH).await == 0 {
            return;
        }
        if batch.len() < BATCH {
            tokio::time::sleep(GATHER).await;
            let room = BATCH - batch.len();
            sink.recv_many(&mut batch, room).await;
        }
        let window = TimeWindow::around(Utc::now(), state.log_retention_days());
        let lines: Vec<NewLogLine> = batch
            .drain(..)
            .filter_map(|mut line| {
                line.host.clone_from(&host);
                check(&mut line, window).is_ok().then_some(line)
            })
            .collect();
        if let Err(error) = crate::http::log_lines::store_and_publish(&state, None, lines).await {
            COUNTERS.own_logs_flush_failed();
            tracing::warn!(%error, "could not store Opsdeck's own log lines; dropping them");
            tokio::time::sleep(AFTER_FAILURE).await;
        }
    }
}

/// This machine's name (the kernel's, else `$HOSTNAME`), or `localhost`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}
