//! The Backups pages' server functions (mirroring the CLI's `opsdeck backup
//! …`): reading needs `ReadBackups`, running, verifying and restore-testing
//! `RunBackups`, managing targets, restoring into a new database and
//! downloading `ManageBackups`. Long work is started and answered at once;
//! the page follows it until it ends. Each authorises, then calls `ssr`.

use leptos::prelude::*;

use super::{BackupCheck, BackupRun, BackupTarget, BackupsOverview, RunDetail};
#[cfg(feature = "ssr")]
use super::{
    CheckKind,
    ssr::{self, Starter},
};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Targets and one page of runs (newest first, older than run `before`).
#[server(endpoint = "backups/overview")]
pub async fn get_backups(target: Option<i64>, before: Option<i64>) -> Result<BackupsOverview, AppError> {
    respond(
        async {
            let caller = acting(Permission::ReadBackups).await?;
            ssr::overview::overview(&app_state()?, &caller, target, before).await
        }
        .await,
    )
}

/// One run with its target and checks.
#[server(endpoint = "backups/run-detail")]
pub async fn get_backup_run(run_id: i64) -> Result<RunDetail, AppError> {
    respond(
        async {
            let caller = acting(Permission::ReadBackups).await?;
            ssr::overview::run_detail(&app_state()?, &caller, run_id).await
        }
        .await,
    )
}

/// "Run backup now": records the run and starts it; the answer is the run
/// as it starts (`running`).
#[server(endpoint = "backups/run")]
pub async fn run_backup(target_id: i64) -> Result<BackupRun, AppError> {
    respond(
        async {
            let caller = acting(Permission::RunBackups).await?;
            ssr::dump::run_now(app_state()?, target_id, Starter::user(&caller)).await
        }
        .await,
    )
}

/// "Verify": checksum and archive contents, checked now.
#[server(endpoint = "backups/verify")]
pub async fn verify_backup(run_id: i64) -> Result<BackupCheck, AppError> {
    respond(
        async {
            let caller = acting(Permission::RunBackups).await?;
            ssr::checks::verify(&app_state()?, run_id, &Starter::user(&caller)).await
        }
        .await,
    )
}

/// "Restore test": started now, followed on the run's page.
#[server(endpoint = "backups/restore-test")]
pub async fn restore_test_backup(run_id: i64) -> Result<BackupCheck, AppError> {
    respond(
        async {
            let caller = acting(Permission::RunBackups).await?;
            let starter = Starter::user(&caller);
            ssr::checks::restore_now(app_state()?, run_id, CheckKind::RestoreTest, None, starter).await
        }
        .await,
    )
}

/// "Restore into new database" (admins): never an existing database.
#[server(endpoint = "backups/restore-into")]
pub async fn restore_backup_into(run_id: i64, database: String) -> Result<BackupCheck, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageBackups).await?;
            let starter = Starter::user(&caller);
            ssr::checks::restore_now(app_state()?, run_id, CheckKind::Restore, Some(&database), starter).await
        }
        .await,
    )
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
    respond(
        async {
            let caller = acting(Permission::ManageBackups).await?;
            let draft = ssr::targets::TargetDraft::parse(
                &name,
                &connection_url,
                &schedule,
                &restore_schedule,
                &keep_last,
                &keep_days,
            )?;
            ssr::targets::save(&app_state()?, &Starter::user(&caller), target_id, draft).await
        }
        .await,
    )
}

/// Deletes a target, its records and its backup files (after confirmation).
#[server(endpoint = "backups/delete-target")]
pub async fn delete_backup_target(target_id: i64) -> Result<(), AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageBackups).await?;
            ssr::targets::delete(&app_state()?, &Starter::user(&caller), target_id).await
        }
        .await,
    )
}
