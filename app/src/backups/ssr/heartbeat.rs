//! Liveness of running work. A running backup reports its bytes written
//! (what the page shows as progress) and a running check its heartbeat
//! every [`EVERY`]; work that stops reporting for [`STALE_AFTER`] belonged
//! to an Opsdeck process that died, and [`sweep`] marks it failed and
//! removes its partial file, on any instance, at start-up and on the
//! scheduler leader's rounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::PgPool;

use super::queries;
use crate::state::AppState;

pub const EVERY: Duration = Duration::from_millis(500);
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// What is reported: a run's bytes, or a check being alive.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    Run(i64),
    Check(i64),
}

/// The reporting task; dropping it stops reporting.
pub struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
    pub bytes: Arc<AtomicI64>,
}

impl Heartbeat {
    pub fn start(db: PgPool, subject: Subject) -> Heartbeat {
        let bytes = Arc::new(AtomicI64::new(0));
        let counter = bytes.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let result = async {
                    let mut conn = db.acquire().await?;
                    match subject {
                        Subject::Run(id) => queries::set_progress(&mut conn, id, counter.load(Ordering::Relaxed)).await,
                        Subject::Check(id) => queries::check_heartbeat(&mut conn, id).await,
                    }
                }
                .await;
                if let Err(error) = result {
                    tracing::warn!(%error, ?subject, "could not report backup progress");
                }
            }
        });
        Heartbeat { task, bytes }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Marks work whose process stopped reporting as failed and removes partial
/// files no running backup owns. Safe on every instance at any time.
pub async fn sweep(state: &AppState) -> anyhow::Result<()> {
    let stale = chrono::Duration::from_std(STALE_AFTER)?;
    // A run that starts after the list below creates its file after this moment.
    let listed_at = std::time::SystemTime::now() - Duration::from_secs(1);
    let mut conn = state.db.acquire().await?;
    let runs = queries::fail_stale_runs(&mut conn, stale).await?;
    let checks = queries::fail_stale_checks(&mut conn, stale).await?;
    if !runs.is_empty() || !checks.is_empty() {
        tracing::warn!(
            ?runs,
            ?checks,
            "backup work left running by a stopped Opsdeck was marked failed"
        );
    }
    let running = queries::running_run_ids(&mut conn).await?;
    drop(conn);
    let removed = state
        .backups
        .store
        .remove_partials(&|id| running.contains(&id), listed_at)
        .await?;
    if removed > 0 {
        tracing::warn!(removed, "removed partial backup files left by a stopped Opsdeck");
    }
    Ok(())
}
