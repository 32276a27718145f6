//! Backups: targets (the databases backed up), runs (each backup taken with
//! `pg_dump`, its checksum and row counts) and checks (verification,
//! restore tests, restores into a new database) with their evidence.
//!
//! The server functions here are the Backups pages' (and mirror the CLI's
//! `opsdeck backup …`): reading needs `ReadBackups`, running, verifying and
//! restore-testing `RunBackups`, managing targets, restoring into a new
//! database and downloading `ManageBackups`. Long work is started and
//! answered at once; the page follows it until it ends.

mod types;

#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::state::app_state;
pub use types::*;

/// Runs shown per page.
pub const RUNS_PER_PAGE: i64 = 20;

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::auth::CurrentUser;
    use crate::auth::permissions::allows;
    use crate::state::AppState;

    pub fn may(user: &CurrentUser) -> (bool, bool) {
        (
            allows(user.role, Permission::RunBackups),
            allows(user.role, Permission::ManageBackups),
        )
    }

    pub fn own_location(state: &AppState) -> String {
        state.backups.own_url.location()
    }
}

/// Targets and one page of runs (newest first, older than run `before`).
#[server(endpoint = "backups/overview")]
pub async fn get_backups(target: Option<i64>, before: Option<i64>) -> Result<BackupsOverview, AppError> {
    crate::error::respond(
        async move {
            let user = acting(Permission::ReadBackups).await?.user;
            let state = app_state()?;
            let mut conn = state.connection("db acquire").await?;
            let targets = ssr::queries::targets(&mut conn, &server::own_location(&state))
                .await
                .map_err(|e| AppError::internal("list backup targets", e))?;
            let mut runs = ssr::queries::runs(&mut conn, target, before, RUNS_PER_PAGE + 1)
                .await
                .map_err(|e| AppError::internal("list backup runs", e))?;
            let older = (runs.len() as i64 > RUNS_PER_PAGE).then(|| {
                runs.truncate(RUNS_PER_PAGE as usize);
                runs.last().map(|run| run.id)
            });
            let busy = ssr::queries::busy(&mut conn, None)
                .await
                .map_err(|e| AppError::internal("backup activity", e))?;
            let (may_run, may_manage) = server::may(&user);
            Ok(BackupsOverview {
                targets,
                runs,
                older: older.flatten(),
                busy,
                may_run,
                may_manage,
            })
        }
        .await,
    )
}

/// One run with its target and checks.
#[server(endpoint = "backups/run-detail")]
pub async fn get_backup_run(run_id: i64) -> Result<RunDetail, AppError> {
    crate::error::respond(
        async move {
            let user = acting(Permission::ReadBackups).await?.user;
            let state = app_state()?;
            let mut conn = state.connection("db acquire").await?;
            let run = ssr::queries::run(&mut conn, run_id)
                .await
                .map_err(|e| AppError::internal("load backup run", e))?
                .ok_or(AppError::NotFound)?;
            let target = ssr::queries::target(&mut conn, run.target_id, &server::own_location(&state))
                .await
                .map_err(|e| AppError::internal("load backup target", e))?
                .ok_or(AppError::NotFound)?;
            let checks = ssr::queries::checks_of(&mut conn, run_id)
                .await
                .map_err(|e| AppError::internal("list backup checks", e))?;
            let busy = run.status == RunStatus::Running
                || ssr::queries::busy(&mut conn, Some(run_id))
                    .await
                    .map_err(|e| AppError::internal("backup activity", e))?;
            let (may_run, may_manage) = server::may(&user);
            Ok(RunDetail {
                run,
                target,
                checks,
                busy,
                may_run,
                may_manage,
            })
        }
        .await,
    )
}

/// "Run backup now": records the run and starts it; the answer is the run
/// as it starts (`running`).
#[server(endpoint = "backups/run")]
pub async fn run_backup(target_id: i64) -> Result<BackupRun, AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::RunBackups).await?);
            let state = app_state()?;
            let run_id = ssr::dump::start_run(&state, target_id, RunTrigger::Manual, &starter).await?;
            let mut conn = state.connection("db acquire").await?;
            let run = ssr::queries::run(&mut conn, run_id)
                .await
                .map_err(|e| AppError::internal("load backup run", e))?
                .ok_or(AppError::NotFound)?;
            drop(conn);
            tokio::spawn(async move {
                if let Err(error) = ssr::dump::perform_run(&state, run_id, &starter).await {
                    tracing::error!(%error, run_id, "backup run could not be recorded");
                }
            });
            Ok(run)
        }
        .await,
    )
}

/// "Verify": checksum and archive contents, checked now.
#[server(endpoint = "backups/verify")]
pub async fn verify_backup(run_id: i64) -> Result<BackupCheck, AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::RunBackups).await?);
            let state = app_state()?;
            ssr::checks::verify(&state, run_id, &starter).await
        }
        .await,
    )
}

/// "Restore test": started now, followed on the run's page.
#[server(endpoint = "backups/restore-test")]
pub async fn restore_test_backup(run_id: i64) -> Result<BackupCheck, AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::RunBackups).await?);
            let state = app_state()?;
            let check = ssr::checks::start_restore(&state, run_id, CheckKind::RestoreTest, None, &starter).await?;
            spawn_restore(state, check.clone(), starter);
            Ok(check)
        }
        .await,
    )
}

/// "Restore into new database" (admins): never an existing database.
#[server(endpoint = "backups/restore-into")]
pub async fn restore_backup_into(run_id: i64, database: String) -> Result<BackupCheck, AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::ManageBackups).await?);
            let state = app_state()?;
            let check =
                ssr::checks::start_restore(&state, run_id, CheckKind::Restore, Some(&database), &starter).await?;
            spawn_restore(state, check.clone(), starter);
            Ok(check)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn spawn_restore(state: crate::state::AppState, check: BackupCheck, starter: ssr::Starter) {
    tokio::spawn(async move {
        if let Err(error) = ssr::checks::perform_restore(&state, &check, &starter).await {
            tracing::error!(%error, check = check.id, "restore could not be recorded");
        }
    });
}

/// Adds a target (no `target_id`) or changes one. A blank connection URL
/// keeps the stored one; blank schedules and retention fields mean none.
#[server(endpoint = "backups/save-target")]
pub async fn save_backup_target(
    #[server(default)] target_id: Option<i64>,
    #[server(default)] name: String,
    #[server(default)] connection_url: String,
    #[server(default)] schedule: String,
    #[server(default)] restore_schedule: String,
    #[server(default)] keep_last: String,
    #[server(default)] keep_days: String,
) -> Result<BackupTarget, AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::ManageBackups).await?);
            let state = app_state()?;
            let draft = ssr::targets::TargetDraft::parse(
                &name,
                &connection_url,
                &schedule,
                &restore_schedule,
                &keep_last,
                &keep_days,
            )?;
            ssr::targets::save(&state, &starter, target_id, draft).await
        }
        .await,
    )
}

/// Deletes a target, its records and its backup files (after confirmation).
#[server(endpoint = "backups/delete-target")]
pub async fn delete_backup_target(target_id: i64) -> Result<(), AppError> {
    crate::error::respond(
        async move {
            let starter = ssr::Starter::user(&acting(Permission::ManageBackups).await?);
            let state = app_state()?;
            ssr::targets::delete(&state, &starter, target_id).await
        }
        .await,
    )
}
