//! Taking a backup: `pg_dump --format=custom` streamed through SHA-256 into
//! a pending file of the store, committed only when pg_dump succeeded.
//!
//! Row counts are taken in the dump's own snapshot: a REPEATABLE READ
//! transaction exports its snapshot, pg_dump runs with `--snapshot=…`, and
//! the same transaction counts every table while pg_dump writes, so the
//! counts describe exactly the data in the file.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::heartbeat::{Heartbeat, Subject};
use super::{Starter, load_run, queries, tools};
use crate::audit::Outcome;
use crate::audit::ssr::{append, append_and_commit};
use crate::backups::{BackupRun, RunStatus, RunTrigger};
use crate::error::AppError;
use crate::state::AppState;

/// What a successful dump produced.
struct Dumped {
    key: String,
    size: i64,
    sha256: String,
    server_version: String,
    counts: BTreeMap<String, i64>,
}

/// Why a dump failed (the server version, when it got that far).
struct DumpFailed {
    message: String,
    server_version: Option<String>,
}

impl From<String> for DumpFailed {
    fn from(message: String) -> Self {
        DumpFailed {
            message,
            server_version: None,
        }
    }
}

/// Records a new run of `target_id` (refused while one is running) with its
/// audit entry, and returns the run's id.
pub async fn start_run(
    state: &AppState,
    target_id: i64,
    trigger: RunTrigger,
    starter: &Starter,
) -> Result<i64, AppError> {
    let mut tx = state.begin("begin").await?;
    queries::lock_target(&mut tx, target_id)
        .await
        .map_err(|e| AppError::internal("lock backup target", e))?
        .ok_or(AppError::NotFound)?;
    if let Some(running) = queries::running_run_of(&mut tx, target_id)
        .await
        .map_err(|e| AppError::internal("find running backup", e))?
    {
        return Err(AppError::Conflict(format!(
            "Backup {running} of this target is still running; wait for it to finish."
        )));
    }
    let run_id = queries::insert_run(&mut tx, target_id, trigger, &starter.label, starter.actor.id)
        .await
        .map_err(|e| AppError::internal("insert backup run", e))?;
    let after = json!({ "target_id": target_id, "trigger": trigger.as_str() });
    append_and_commit(
        tx,
        &state.audit_key,
        starter
            .entry("backup.run", Outcome::Success)
            .target("backup_run", run_id)
            .change(None, Some(after)),
        "backups: audit",
    )
    .await?;
    Ok(run_id)
}

/// "Run backup now": records the run and performs it in the background;
/// the answer is the run as it starts (`running`).
pub async fn run_now(state: AppState, target_id: i64, starter: Starter) -> Result<BackupRun, AppError> {
    let run_id = start_run(&state, target_id, RunTrigger::Manual, &starter).await?;
    let run = load_run(&state, run_id).await?;
    tokio::spawn(async move {
        if let Err(error) = perform_run(&state, run_id, &starter).await {
            tracing::error!(%error, run_id, "backup run could not be recorded");
        }
    });
    Ok(run)
}

/// Takes the backup of a started run and records how it ended; then prunes
/// the target and records the run's metrics. Never leaves the run
/// `running`, not even when this future is dropped halfway.
pub async fn perform_run(state: &AppState, run_id: i64, starter: &Starter) -> Result<BackupRun, AppError> {
    let mut guard = CancelGuard {
        state: state.clone(),
        run_id,
        starter: starter.clone(),
        armed: true,
    };
    let started = Instant::now();
    let result = dump(state, run_id).await;
    let run = load_run(state, run_id).await?;
    match result {
        Ok(dumped) => record_success(state, &run, dumped, starter, started).await?,
        Err(failed) => record_failure(state, run_id, &failed, starter).await?,
    }
    guard.armed = false;
    let run = load_run(state, run_id).await?;
    super::metrics::record_run(state, &run).await;
    if run.status == RunStatus::Succeeded
        && let Err(error) = super::retention::prune_target(state, run.target_id, starter).await
    {
        tracing::warn!(%error, target = run.target_id, "pruning after a backup failed");
    }
    Ok(run)
}

async fn record_success(
    state: &AppState,
    run: &BackupRun,
    dumped: Dumped,
    starter: &Starter,
    started: Instant,
) -> Result<(), AppError> {
    let mut tx = state.begin("begin").await?;
    let result = queries::DumpResult {
        size_bytes: dumped.size,
        sha256: &dumped.sha256,
        location: &dumped.key,
        server_version: &dumped.server_version,
        table_counts: &dumped.counts,
    };
    let recorded = queries::finish_succeeded(&mut tx, run.id, &result)
        .await
        .map_err(|e| AppError::internal("finish backup run", e))?;
    if !recorded {
        // Given up on by the stale-run sweep meanwhile: it stays failed, and
        // a failed run keeps no file.
        drop(tx);
        let _ = state.backups.store.remove(&dumped.key).await;
        return Ok(());
    }
    let after = json!({
        "status": "succeeded",
        "size_bytes": dumped.size,
        "sha256": dumped.sha256,
        "location": dumped.key,
        "tables": dumped.counts.len(),
        "duration_ms": started.elapsed().as_millis() as u64,
    });
    append(
        &mut tx,
        &state.audit_key,
        starter
            .entry("backup.run.finished", Outcome::Success)
            .target("backup_run", run.id)
            .change(None, Some(after)),
    )
    .await
    .map_err(AppError::internal_in("backups: audit"))?;
    if let Err(error) = tx.commit().await {
        let _ = state.backups.store.remove(&dumped.key).await;
        return Err(AppError::internal("commit backup.run.finished", error));
    }
    Ok(())
}

async fn record_failure(state: &AppState, run_id: i64, failed: &DumpFailed, starter: &Starter) -> Result<(), AppError> {
    tracing::warn!(run_id, error = %failed.message, "backup failed");
    let mut tx = state.begin("begin").await?;
    let recorded = queries::finish_failed(&mut tx, run_id, &failed.message, failed.server_version.as_deref())
        .await
        .map_err(|e| AppError::internal("fail backup run", e))?;
    if recorded {
        let after = json!({ "status": "failed", "error": failed.message });
        append(
            &mut tx,
            &state.audit_key,
            starter
                .entry("backup.run.finished", Outcome::Failure)
                .target("backup_run", run_id)
                .change(None, Some(after)),
        )
        .await
        .map_err(AppError::internal_in("backups: audit"))?;
    }
    tx.commit()
        .await
        .map_err(|e| AppError::internal("commit backup.run.finished", e))
}

/// Marks the run failed if its `perform_run` future is dropped before the
/// end (a cancelled task, a stopping server); the pending file's own drop
/// has already removed the partial file by then.
struct CancelGuard {
    state: AppState,
    run_id: i64,
    starter: Starter,
    armed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let state = self.state.clone();
        let starter = self.starter.clone();
        let run_id = self.run_id;
        runtime.spawn(async move {
            let failed = DumpFailed::from("the backup was cancelled before it finished".to_string());
            if let Err(error) = record_failure(&state, run_id, &failed, &starter).await {
                tracing::error!(%error, run_id, "could not record a cancelled backup");
            }
        });
    }
}

async fn dump(state: &AppState, run_id: i64) -> Result<Dumped, DumpFailed> {
    let mut conn = state.connection("db acquire").await.map_err(|e| e.to_string())?;
    let run = queries::run(&mut conn, run_id)
        .await
        .map_err(|e| format!("could not load the run: {e}"))?
        .ok_or_else(|| "the run disappeared".to_string())?;
    let url = state.backups.url_of(&mut conn, &state.secrets, run.target_id).await?;
    drop(conn);
    let heartbeat = Heartbeat::start(state.db.clone(), Subject::Run(run_id));

    let mut snapshot = tools::connect(&url).await?;
    let version = tools::server_version(&mut snapshot)
        .await
        .map_err(|e| format!("could not read the server version: {e}"))?;
    let failed = |message: String| DumpFailed {
        message,
        server_version: Some(version.clone()),
    };
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut snapshot)
        .await
        .map_err(|e| failed(format!("could not start the snapshot: {e}")))?;
    let snapshot_id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut snapshot)
        .await
        .map_err(|e| failed(format!("could not export the snapshot: {e}")))?;

    let key = format!(
        "{}/{}-{}-run{run_id}.dump",
        run.target_id,
        run.target_name,
        run.started_at.format("%Y%m%dT%H%M%SZ")
    );
    let mut file = state
        .backups
        .store
        .create(&key)
        .await
        .map_err(|e| failed(format!("could not create the backup file: {e}")))?;
    let mut child = tools::command("pg_dump", Some(&url))
        .map_err(&failed)?
        .arg("--format=custom")
        .arg("--no-password")
        .arg(format!("--snapshot={snapshot_id}"))
        .arg(format!("--dbname={}", url.without_password()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("could not start pg_dump: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| failed("pg_dump has no stdout".into()))?;
    let (copied, stderr, counts) = tokio::join!(
        copy_hashing(stdout, &mut file, &heartbeat.bytes),
        tools::read_stderr(child.stderr.take()),
        tools::table_counts(&mut snapshot),
    );
    let status = child
        .wait()
        .await
        .map_err(|e| failed(format!("could not wait for pg_dump: {e}")))?;
    // Ends the snapshot's transaction (read-only: nothing to keep).
    drop(snapshot);
    if !status.success() {
        return Err(failed(tools::failure("pg_dump", status, &stderr, &url)));
    }
    let (size, sha256) = copied.map_err(|e| failed(format!("could not write the backup file: {e}")))?;
    let counts = counts.map_err(|e| failed(url.redact(&format!("could not count the tables' rows: {e}"))))?;
    file.commit()
        .await
        .map_err(|e| failed(format!("could not finish the backup file: {e}")))?;
    Ok(Dumped {
        key,
        size,
        sha256,
        server_version: version,
        counts,
    })
}

/// Copies `from` into `to`, hashing every byte and publishing the count so
/// far; answers the size and the SHA-256 (hex). Verification hashes into
/// `tokio::io::sink()`.
pub async fn copy_hashing(
    mut from: impl AsyncRead + Unpin,
    to: &mut (impl tokio::io::AsyncWrite + Unpin + ?Sized),
    progress: &AtomicI64,
) -> std::io::Result<(i64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total: i64 = 0;
    loop {
        let n = from.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        to.write_all(&buffer[..n]).await?;
        total += n as i64;
        progress.store(total, Ordering::Relaxed);
    }
    Ok((total, format!("{:x}", hasher.finalize())))
}
