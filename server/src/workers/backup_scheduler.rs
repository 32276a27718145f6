//! The backup scheduler: starts each target's scheduled backups and restore
//! tests (cron expressions, UTC), and every minute sweeps work left running
//! by a stopped Opsdeck, prunes by each target's retention and refreshes the
//! backup-age metric.
//!
//! Like metrics retention, every instance runs the loop but only the one
//! holding the session-level advisory lock [`BACKUP_LOCK`] does the work,
//! so N instances start each scheduled backup once. Each target remembers
//! up to when it was looked at (`schedule_checked_at`), so a new leader
//! neither repeats nor skips an occurrence; occurrences missed while no
//! instance ran are caught up with one backup.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use app::backups::ssr::connection::next_occurrence;
use app::backups::ssr::{Starter, checks, dump, heartbeat, metrics, queries, retention};
use app::backups::{CheckKind, RunTrigger};
use app::state::AppState;

/// Advisory lock key of the backup scheduler leader.
pub const BACKUP_LOCK: i64 = 7_202_611_243;
/// How often the leader looks for due work.
const TICK: Duration = Duration::from_secs(2);
/// How often the leader sweeps, prunes and refreshes the age metric.
const UPKEEP_EVERY: Duration = Duration::from_secs(60);
/// After a failure, the next attempt.
const AFTER_ERROR: Duration = Duration::from_secs(15);

type ScheduleRow = (i64, Option<String>, Option<String>, DateTime<Utc>, DateTime<Utc>);

pub async fn run(state: AppState) {
    // Every instance, leader or not: work its own previous process left behind.
    if let Err(error) = heartbeat::sweep(&state).await {
        tracing::warn!(%error, "could not sweep backup work left by a stopped Opsdeck");
    }
    let mut leader: Option<PgConnection> = None;
    let mut last_upkeep: Option<Instant> = None;
    loop {
        let pause = match round(&state, &mut leader, &mut last_upkeep).await {
            Ok(()) => TICK,
            Err(error) => {
                tracing::warn!(%error, "backup scheduler round failed; retrying");
                leader = None;
                AFTER_ERROR
            }
        };
        tokio::time::sleep(pause).await;
    }
}

async fn round(
    state: &AppState,
    leader: &mut Option<PgConnection>,
    last_upkeep: &mut Option<Instant>,
) -> anyhow::Result<()> {
    if leader.is_none() {
        *leader = try_lead(&state.db).await?;
    }
    let Some(conn) = leader.as_mut() else {
        return Ok(());
    };
    start_due_work(state, conn, Utc::now()).await?;
    if last_upkeep.is_none_or(|at| at.elapsed() >= UPKEEP_EVERY) {
        *last_upkeep = Some(Instant::now());
        upkeep(state, conn).await?;
    }
    Ok(())
}

/// A dedicated connection holding the scheduler lock, or `None` when another session holds it.
pub async fn try_lead(pool: &PgPool) -> sqlx::Result<Option<PgConnection>> {
    crate::workers::leader::try_lock(pool, BACKUP_LOCK, crate::workers::leader::lease_for(TICK)).await
}

/// Starts every scheduled backup and restore test due at `now`.
async fn start_due_work(state: &AppState, conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<()> {
    let targets: Vec<ScheduleRow> = sqlx::query_as(
        "SELECT id, schedule, restore_schedule, schedule_checked_at, restore_checked_at FROM backup_targets",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (target_id, schedule, restore_schedule, checked, restore_checked) in targets {
        if next_occurrence(schedule.as_deref(), checked).is_some_and(|due| due <= now) {
            sqlx::query("UPDATE backup_targets SET schedule_checked_at = $2 WHERE id = $1")
                .bind(target_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            start_backup(state.clone(), target_id);
        }
        if next_occurrence(restore_schedule.as_deref(), restore_checked).is_some_and(|due| due <= now) {
            sqlx::query("UPDATE backup_targets SET restore_checked_at = $2 WHERE id = $1")
                .bind(target_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            match queries::newest_available(conn, target_id).await? {
                Some(run_id) => start_restore_test(state.clone(), run_id),
                None => tracing::warn!(target_id, "a restore test is due but the target has no backup to test"),
            }
        }
    }
    Ok(())
}

fn start_backup(state: AppState, target_id: i64) {
    tokio::spawn(async move {
        let starter = Starter::scheduler();
        let run_id = match dump::start_run(&state, target_id, RunTrigger::Schedule, &starter).await {
            Ok(run_id) => run_id,
            Err(error) => {
                tracing::warn!(%error, target_id, "scheduled backup not started");
                return;
            }
        };
        if let Err(error) = dump::perform_run(&state, run_id, &starter).await {
            tracing::error!(%error, run_id, "scheduled backup could not be recorded");
        }
    });
}

fn start_restore_test(state: AppState, run_id: i64) {
    tokio::spawn(async move {
        let starter = Starter::scheduler();
        let check = match checks::start_restore(&state, run_id, CheckKind::RestoreTest, None, &starter).await {
            Ok(check) => check,
            Err(error) => {
                tracing::warn!(%error, run_id, "scheduled restore test not started");
                return;
            }
        };
        if let Err(error) = checks::perform_restore(&state, &check, &starter).await {
            tracing::error!(%error, run_id, "scheduled restore test could not be recorded");
        }
    });
}

/// Stale work, retention and the age metric.
async fn upkeep(state: &AppState, conn: &mut PgConnection) -> anyhow::Result<()> {
    heartbeat::sweep(state).await?;
    let targets: Vec<i64> = sqlx::query_scalar("SELECT id FROM backup_targets")
        .fetch_all(&mut *conn)
        .await?;
    let starter = Starter::scheduler();
    for target_id in targets {
        if let Err(error) = retention::prune_target(state, target_id, &starter).await {
            tracing::warn!(%error, target_id, "pruning backups failed");
        }
    }
    metrics::refresh_ages(state).await;
    Ok(())
}

/// The running scheduler; dropping it stops it (work it started goes on).
pub struct BackupScheduler(tokio::task::JoinHandle<()>);

impl Drop for BackupScheduler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState) -> BackupScheduler {
    BackupScheduler(tokio::spawn(run(state)))
}
