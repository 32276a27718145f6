//! What the Backups pages read: the overview (targets and one page of
//! runs) and one run with its checks, each with what the viewer may do.

use crate::auth::permissions::Permission;
use crate::auth::ssr::Caller;
use crate::backups::{BackupsOverview, RUNS_PER_PAGE, RunDetail, RunStatus};
use crate::error::AppError;
use crate::state::AppState;

use super::queries;

/// Targets and one page of runs (newest first, older than run `before`).
pub async fn overview(
    state: &AppState,
    caller: &Caller,
    target: Option<i64>,
    before: Option<i64>,
) -> Result<BackupsOverview, AppError> {
    let mut conn = state.connection("db acquire").await?;
    let targets = queries::targets(&mut conn, &state.backups.own_url.location())
        .await
        .map_err(|e| AppError::internal("list backup targets", e))?;
    let mut runs = queries::runs(&mut conn, target, before, RUNS_PER_PAGE + 1)
        .await
        .map_err(|e| AppError::internal("list backup runs", e))?;
    let older = (runs.len() as i64 > RUNS_PER_PAGE).then(|| {
        runs.truncate(RUNS_PER_PAGE as usize);
        runs.last().map(|run| run.id)
    });
    let busy = queries::busy(&mut conn, None)
        .await
        .map_err(|e| AppError::internal("backup activity", e))?;
    Ok(BackupsOverview {
        targets,
        runs,
        older: older.flatten(),
        busy,
        may_run: caller.may(Permission::RunBackups),
        may_manage: caller.may(Permission::ManageBackups),
    })
}

/// One run with its target and checks.
pub async fn run_detail(state: &AppState, caller: &Caller, run_id: i64) -> Result<RunDetail, AppError> {
    let mut conn = state.connection("db acquire").await?;
    let run = queries::run(&mut conn, run_id)
        .await
        .map_err(|e| AppError::internal("load backup run", e))?
        .ok_or(AppError::NotFound)?;
    let target = queries::target(&mut conn, run.target_id, &state.backups.own_url.location())
        .await
        .map_err(|e| AppError::internal("load backup target", e))?
        .ok_or(AppError::NotFound)?;
    let checks = queries::checks_of(&mut conn, run_id)
        .await
        .map_err(|e| AppError::internal("list backup checks", e))?;
    let busy = run.status == RunStatus::Running
        || queries::busy(&mut conn, Some(run_id))
            .await
            .map_err(|e| AppError::internal("backup activity", e))?;
    Ok(RunDetail {
        run,
        target,
        checks,
        busy,
        may_run: caller.may(Permission::RunBackups),
        may_manage: caller.may(Permission::ManageBackups),
    })
}
