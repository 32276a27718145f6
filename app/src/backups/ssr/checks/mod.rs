//! Checking a backup after the fact, with evidence:
//!
//! - verify: the file's SHA-256 and size against the record, and its table
//!   of contents (`pg_restore --list`) against the tables counted;
//! - restore test: `pg_restore` into a temporary database
//!   `opsdeck_restore_<run>_<random>`, every table's rows counted and
//!   compared, the database dropped again whatever happened;
//! - restore: the same into a new database an admin named, which is kept
//!   (never an existing one: Opsdeck does not restore over a database).
//!
//! This module holds what both share: the run to check, the audit action
//! names and recording how a check ended.

mod restore;
mod verify;

pub use restore::{perform_restore, restore_now, start_restore};
pub use verify::verify;

use serde_json::json;

use super::{Starter, load_run, queries};
use crate::audit::Outcome;
use crate::audit::ssr::append_and_commit;
use crate::backups::{BackupCheck, BackupRun, CheckKind, CheckOutcome, Evidence};
use crate::error::AppError;
use crate::state::AppState;

/// A backup whose file still exists, or why it cannot be checked.
async fn available_run(state: &AppState, run_id: i64) -> Result<BackupRun, AppError> {
    let run = load_run(state, run_id).await?;
    if !run.is_available() {
        return Err(AppError::Conflict(
            "This backup has no file to check: it did not succeed or was pruned.".into(),
        ));
    }
    Ok(run)
}

/// Where the backup file of `key` can be read by `pg_restore`.
async fn file_path(state: &AppState, key: &str) -> Result<std::path::PathBuf, String> {
    state
        .backups
        .store
        .path(key)
        .await
        .map_err(|e| format!("could not read the backup file: {e}"))
}

async fn load_check(state: &AppState, id: i64) -> Result<BackupCheck, AppError> {
    let mut conn = state.connection("db acquire").await?;
    queries::check(&mut conn, id)
        .await
        .map_err(|e| AppError::internal("load backup check", e))?
        .ok_or(AppError::NotFound)
}

fn audited_action(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Verify => "backup.verify",
        CheckKind::RestoreTest => "backup.restore_test",
        CheckKind::Restore => "backup.restore",
    }
}

/// Records how a check ended, with its audit entry, in one transaction.
async fn finish(
    state: &AppState,
    check_id: i64,
    run_id: i64,
    kind: CheckKind,
    outcome: CheckOutcome,
    evidence: &Evidence,
    starter: &Starter,
) -> Result<BackupCheck, AppError> {
    let mut tx = state.begin("begin").await?;
    queries::finish_check(&mut tx, check_id, outcome, evidence)
        .await
        .map_err(|e| AppError::internal("finish backup check", e))?;
    let action = match kind {
        CheckKind::Verify => audited_action(kind).to_string(),
        _ => format!("{}.finished", audited_action(kind)),
    };
    let after = json!({ "check_id": check_id, "outcome": outcome.as_str(), "evidence": evidence });
    let audit_outcome = match outcome {
        CheckOutcome::Pass => Outcome::Success,
        CheckOutcome::Fail => Outcome::Failure,
    };
    append_and_commit(
        tx,
        &state.audit_key,
        starter
            .entry(&action, audit_outcome)
            .target("backup_run", run_id)
            .change(None, Some(after)),
        "backups: audit",
    )
    .await?;
    load_check(state, check_id).await
}
