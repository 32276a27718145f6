//! Backup runs: one dump of a target, its progress and result.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::backups::{BackupRun, CheckOutcome, CheckSummary, RunStatus, RunTrigger};

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    target_id: i64,
    target_name: String,
    trigger: String,
    started_by: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    status: String,
    progress_bytes: i64,
    size_bytes: Option<i64>,
    sha256: Option<String>,
    location: Option<String>,
    server_version: Option<String>,
    table_counts: Option<serde_json::Value>,
    error: Option<String>,
    pruned_at: Option<DateTime<Utc>>,
    last_verify: Option<serde_json::Value>,
    last_restore_test: Option<serde_json::Value>,
}

/// The latest check of a kind, as JSON, for one run `r`.
fn latest_check(kind: &str) -> String {
    format!(
        "(SELECT json_build_object('id', c.id, 'outcome', c.outcome, 'started_at', c.started_at, \
         'finished_at', c.finished_at) FROM backup_checks c WHERE c.run_id = r.id AND c.kind = '{kind}' \
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1)"
    )
}

fn run_columns() -> String {
    format!(
        "r.id, r.target_id, t.name AS target_name, r.trigger, r.started_by, r.started_at, r.finished_at, r.status, \
         r.progress_bytes, r.size_bytes, r.sha256, r.location, r.server_version, r.table_counts, r.error, \
         r.pruned_at, {}::jsonb AS last_verify, {}::jsonb AS last_restore_test",
        latest_check("verify"),
        latest_check("restore_test")
    )
}

const RUN_FROM: &str = "backup_runs r JOIN backup_targets t ON t.id = r.target_id";

fn summary_from(value: Option<serde_json::Value>) -> Option<CheckSummary> {
    #[derive(serde::Deserialize)]
    struct Raw {
        id: i64,
        outcome: Option<String>,
        started_at: DateTime<Utc>,
        finished_at: Option<DateTime<Utc>>,
    }
    let raw: Raw = serde_json::from_value(value?).ok()?;
    Some(CheckSummary {
        id: raw.id,
        outcome: raw.outcome.as_deref().and_then(CheckOutcome::parse),
        started_at: raw.started_at,
        finished_at: raw.finished_at,
    })
}

fn run_from(row: RunRow) -> BackupRun {
    BackupRun {
        id: row.id,
        target_id: row.target_id,
        target_name: row.target_name,
        // The CHECK constraints keep these to the known names.
        trigger: RunTrigger::parse(&row.trigger).unwrap_or(RunTrigger::Manual),
        started_by: row.started_by,
        started_at: row.started_at,
        finished_at: row.finished_at,
        status: RunStatus::parse(&row.status).unwrap_or(RunStatus::Failed),
        progress_bytes: row.progress_bytes,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        location: row.location,
        server_version: row.server_version,
        table_counts: row
            .table_counts
            .and_then(|value| serde_json::from_value::<BTreeMap<String, i64>>(value).ok()),
        error: row.error,
        pruned_at: row.pruned_at,
        last_verify: summary_from(row.last_verify),
        last_restore_test: summary_from(row.last_restore_test),
    }
}

pub async fn run(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BackupRun>> {
    let row: Option<RunRow> = sqlx::query_as(&format!("SELECT {} FROM {RUN_FROM} WHERE r.id = $1", run_columns()))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(run_from))
}

/// One page of runs, newest first, older than `before` (a run id).
pub async fn runs(
    conn: &mut PgConnection,
    target: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<BackupRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "SELECT {} FROM {RUN_FROM} WHERE ($1::bigint IS NULL OR r.target_id = $1) \
         AND ($2::bigint IS NULL OR r.id < $2) ORDER BY r.id DESC LIMIT $3",
        run_columns()
    ))
    .bind(target)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(run_from).collect())
}

/// Whether a run or a check is in progress (anywhere, or for one run).
pub async fn busy(conn: &mut PgConnection, run: Option<i64>) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM backup_runs WHERE status = 'running' AND ($1::bigint IS NULL OR id = $1)) \
         OR EXISTS (SELECT 1 FROM backup_checks WHERE finished_at IS NULL AND ($1::bigint IS NULL OR run_id = $1))",
    )
    .bind(run)
    .fetch_one(conn)
    .await
}

pub async fn running_run_of(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM backup_runs WHERE target_id = $1 AND status = 'running' LIMIT 1")
        .bind(target_id)
        .fetch_optional(conn)
        .await
}

pub async fn insert_run(
    conn: &mut PgConnection,
    target_id: i64,
    trigger: RunTrigger,
    started_by: &str,
    started_by_user: Option<i64>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO backup_runs (target_id, trigger, started_by, started_by_user) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(target_id)
    .bind(trigger.as_str())
    .bind(started_by)
    .bind(started_by_user)
    .fetch_one(conn)
    .await
}

pub async fn set_progress(conn: &mut PgConnection, run_id: i64, bytes: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE backup_runs SET progress_bytes = $2, heartbeat_at = now() WHERE id = $1 AND status = 'running'",
    )
    .bind(run_id)
    .bind(bytes)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a finished dump produced.
pub struct DumpResult<'a> {
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub location: &'a str,
    pub server_version: &'a str,
    pub table_counts: &'a BTreeMap<String, i64>,
}

/// Marks a running run succeeded; `false` when it is no longer running
/// (the stale-run sweep gave up on it), so the caller must discard its file.
pub async fn finish_succeeded(conn: &mut PgConnection, run_id: i64, result: &DumpResult<'_>) -> sqlx::Result<bool> {
    let counts = serde_json::to_value(result.table_counts).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let updated = sqlx::query(
        "UPDATE backup_runs SET status = 'succeeded', finished_at = now(), size_bytes = $2, progress_bytes = $2, \
         sha256 = $3, location = $4, server_version = $5, table_counts = $6 WHERE id = $1 AND status = 'running'",
    )
    .bind(run_id)
    .bind(result.size_bytes)
    .bind(result.sha256)
    .bind(result.location)
    .bind(result.server_version)
    .bind(counts)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn finish_failed(
    conn: &mut PgConnection,
    run_id: i64,
    error: &str,
    server_version: Option<&str>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE backup_runs SET status = 'failed', finished_at = now(), error = $2, \
         server_version = coalesce($3, server_version) WHERE id = $1 AND status = 'running'",
    )
    .bind(run_id)
    .bind(error)
    .bind(server_version)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Runs whose worker stopped reporting `stale_after` ago: marked failed. Returns their ids.
pub async fn fail_stale_runs(conn: &mut PgConnection, stale_after: chrono::Duration) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "UPDATE backup_runs SET status = 'failed', finished_at = now(), \
         error = 'Opsdeck stopped while this backup ran (no progress reported since ' || heartbeat_at || ')' \
         WHERE status = 'running' AND heartbeat_at < now() - $1 RETURNING id",
    )
    .bind(stale_after)
    .fetch_all(conn)
    .await
}

pub async fn fail_stale_checks(conn: &mut PgConnection, stale_after: chrono::Duration) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "UPDATE backup_checks SET outcome = 'fail', finished_at = now(), \
         evidence = evidence || jsonb_build_object('error', 'Opsdeck stopped while this check ran') \
         WHERE finished_at IS NULL AND heartbeat_at < now() - $1 RETURNING id",
    )
    .bind(stale_after)
    .fetch_all(conn)
    .await
}

pub async fn running_run_ids(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM backup_runs WHERE status = 'running'")
        .fetch_all(conn)
        .await
}

/// Succeeded, not yet pruned backups of a target, newest first: (id, started_at, location).
pub async fn kept_backups(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Vec<(i64, DateTime<Utc>, String)>> {
    sqlx::query_as(
        "SELECT id, started_at, location FROM backup_runs \
         WHERE target_id = $1 AND status = 'succeeded' AND pruned_at IS NULL ORDER BY started_at DESC, id DESC",
    )
    .bind(target_id)
    .fetch_all(conn)
    .await
}

/// The newest backup of a target that passed a restore test, if any.
pub async fn newest_restore_tested(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT r.id FROM backup_runs r WHERE r.target_id = $1 AND r.status = 'succeeded' AND r.pruned_at IS NULL \
         AND EXISTS (SELECT 1 FROM backup_checks c WHERE c.run_id = r.id AND c.kind = 'restore_test' AND c.outcome = 'pass') \
         ORDER BY r.started_at DESC, r.id DESC LIMIT 1",
    )
    .bind(target_id)
    .fetch_optional(conn)
    .await
}

/// The newest available backup of a target (for scheduled restore tests).
pub async fn newest_available(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM backup_runs WHERE target_id = $1 AND status = 'succeeded' AND pruned_at IS NULL \
         ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .bind(target_id)
    .fetch_optional(conn)
    .await
}

/// Marks a backup pruned; `false` when it already was.
pub async fn set_pruned(conn: &mut PgConnection, run_id: i64) -> sqlx::Result<bool> {
    let updated = sqlx::query("UPDATE backup_runs SET pruned_at = now() WHERE id = $1 AND pruned_at IS NULL")
        .bind(run_id)
        .execute(conn)
        .await?;
    Ok(updated.rows_affected() == 1)
}

/// Per target that has had a run: seconds since its last success (or, never
/// having succeeded, since its first run).
pub async fn last_success_ages(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, f64)>> {
    sqlx::query_as(
        "SELECT t.name, extract(epoch FROM now() - coalesce(max(r.finished_at) FILTER (WHERE r.status = 'succeeded'), \
         min(r.started_at)))::float8 FROM backup_targets t JOIN backup_runs r ON r.target_id = t.id GROUP BY t.name",
    )
    .fetch_all(conn)
    .await
}
