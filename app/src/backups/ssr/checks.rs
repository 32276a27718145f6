//! Checking a backup after the fact, with evidence:
//!
//! - verify: the file's SHA-256 and size against the record, and its table
//!   of contents (`pg_restore --list`) against the tables counted;
//! - restore test: `pg_restore` into a temporary database
//!   `opsdeck_restore_<run>_<random>`, every table's rows counted and
//!   compared, the database dropped again whatever happened;
//! - restore: the same into a new database an admin named, which is kept
//!   (never an existing one: Opsdeck does not restore over a database).

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use super::connection::{ConnectionUrl, parse_database_name};
use super::heartbeat::{Heartbeat, Subject};
use super::{Starter, queries, tools};
use crate::audit::Outcome;
use crate::audit::ssr::append_and_commit;
use crate::backups::{BackupCheck, BackupRun, CheckKind, CheckOutcome, CountDifference, Evidence};
use crate::error::AppError;
use crate::state::AppState;

/// A backup whose file still exists, or why it cannot be checked.
async fn available_run(state: &AppState, run_id: i64) -> Result<BackupRun, AppError> {
    let mut conn = state.connection("db acquire").await?;
    let run = queries::run(&mut conn, run_id)
        .await
        .map_err(|e| AppError::internal("load backup run", e))?
        .ok_or(AppError::NotFound)?;
    if !run.is_available() {
        return Err(AppError::Conflict(
            "This backup has no file to check: it did not succeed or was pruned.".into(),
        ));
    }
    Ok(run)
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

/// Verifies a backup now and returns the recorded check.
pub async fn verify(state: &AppState, run_id: i64, starter: &Starter) -> Result<BackupCheck, AppError> {
    let run = available_run(state, run_id).await?;
    let mut conn = state.connection("db acquire").await?;
    let check_id = queries::insert_check(
        &mut conn,
        run_id,
        CheckKind::Verify,
        &starter.label,
        &Evidence::default(),
    )
    .await
    .map_err(|e| AppError::internal("insert backup check", e))?;
    drop(conn);
    let started = Instant::now();
    let mut evidence = verify_file(state, &run).await;
    evidence.duration_ms = Some(started.elapsed().as_millis() as u64);
    let passed = evidence.error.is_none()
        && evidence.actual_sha256 == evidence.expected_sha256
        && evidence.actual_size == evidence.expected_size
        && evidence.missing_table_data.is_empty();
    let outcome = if passed { CheckOutcome::Pass } else { CheckOutcome::Fail };
    finish(state, check_id, run_id, CheckKind::Verify, outcome, &evidence, starter).await
}

async fn verify_file(state: &AppState, run: &BackupRun) -> Evidence {
    let mut evidence = Evidence {
        expected_sha256: run.sha256.clone(),
        expected_size: run.size_bytes,
        ..Evidence::default()
    };
    let Some(key) = run.location.as_deref() else {
        evidence.error = Some("the record names no file".into());
        return evidence;
    };
    match hash_file(state, key).await {
        Ok((size, sha)) => {
            evidence.actual_size = Some(size);
            evidence.actual_sha256 = Some(sha);
        }
        Err(error) => {
            evidence.error = Some(format!("could not read the backup file: {error}"));
            return evidence;
        }
    }
    match list_contents(state, key).await {
        Ok(data_entries) => {
            evidence.toc_entries = Some(data_entries.1);
            evidence.missing_table_data = run
                .table_counts
                .iter()
                .flat_map(|counts| counts.keys())
                .filter(|table| !data_entries.0.contains(*table))
                .cloned()
                .collect();
        }
        Err(error) => evidence.error = Some(error),
    }
    evidence
}

async fn hash_file(state: &AppState, key: &str) -> std::io::Result<(i64, String)> {
    let file = state.backups.store.open(key).await?;
    super::dump::copy_hashing(file, &mut tokio::io::sink(), &std::sync::atomic::AtomicI64::new(0)).await
}

async fn list_contents(state: &AppState, key: &str) -> Result<(Vec<String>, usize), String> {
    let path = state
        .backups
        .store
        .path(key)
        .await
        .map_err(|e| format!("could not read the backup file: {e}"))?;
    let mut command = tools::command("pg_restore", None)?;
    command.arg("--list").arg(&path);
    let (status, listing, stderr) = tools::output(command)
        .await
        .map_err(|e| format!("could not run pg_restore: {e}"))?;
    if !status.success() {
        let how = status
            .code()
            .map_or("was killed".into(), |code| format!("exited with status {code}"));
        return Err(format!("pg_restore --list {how}: {stderr}"));
    }
    Ok(table_data_entries(&listing))
}

/// Parses a `pg_restore --list` listing: `schema.table` of each TABLE DATA
/// entry (`<id>; <oid> <oid> TABLE DATA <schema> <table> <owner>`) and the entry count.
fn table_data_entries(listing: &str) -> (Vec<String>, usize) {
    let entries: Vec<&str> = listing
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with(';'))
        .collect();
    let tables = entries
        .iter()
        .filter_map(|line| {
            let (_, rest) = line.split_once("; ")?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            match fields.as_slice() {
                [_, _, "TABLE", "DATA", schema, table, ..] => Some(format!("{schema}.{table}")),
                _ => None,
            }
        })
        .collect();
    (tables, entries.len())
}

/// Records a restore test (or a restore into `database`) as running, with
/// its audit entry; `perform_restore` then does it.
pub async fn start_restore(
    state: &AppState,
    run_id: i64,
    kind: CheckKind,
    database: Option<&str>,
    starter: &Starter,
) -> Result<BackupCheck, AppError> {
    let run = available_run(state, run_id).await?;
    let database = match (kind, database) {
        (CheckKind::Restore, Some(name)) => {
            let name = parse_database_name(name)?;
            refuse_existing(state, &run, &name).await?;
            name
        }
        (CheckKind::RestoreTest, _) => {
            format!("opsdeck_restore_{run_id}_{:08x}", rand::random::<u32>())
        }
        _ => return Err(AppError::validation("database", "Name the new database.")),
    };
    let evidence = Evidence {
        database: Some(database.clone()),
        ..Evidence::default()
    };
    let mut tx = state.begin("begin").await?;
    let check_id = queries::insert_check(&mut tx, run_id, kind, &starter.label, &evidence)
        .await
        .map_err(|e| AppError::internal("insert backup check", e))?;
    let after = json!({ "check_id": check_id, "database": database });
    append_and_commit(
        tx,
        &state.audit_key,
        starter
            .entry(audited_action(kind), Outcome::Success)
            .target("backup_run", run_id)
            .change(None, Some(after)),
        "backups: audit",
    )
    .await?;
    load_check(state, check_id).await
}

/// Opsdeck never restores over a database: an existing name is refused.
async fn refuse_existing(state: &AppState, run: &BackupRun, name: &str) -> Result<(), AppError> {
    let mut conn = state.connection("db acquire").await?;
    let url = state
        .backups
        .url_of(&mut conn, run.target_id)
        .await
        .map_err(|e| AppError::internal("target url", e))?;
    drop(conn);
    let mut server = tools::connect(&url)
        .await
        .map_err(|e| AppError::Unavailable(format!("The target's server cannot be reached: {e}")))?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut server)
        .await
        .map_err(|e| AppError::internal("look up database", e))?;
    if exists {
        return Err(AppError::validation(
            "database",
            format!(
                "A database named {name} already exists; Opsdeck never restores over a database. Choose a new name."
            ),
        ));
    }
    Ok(())
}

/// Restores the backup into the check's database, compares row counts and
/// (for a restore test, or a failed restore) drops the database again.
pub async fn perform_restore(
    state: &AppState,
    check: &BackupCheck,
    starter: &Starter,
) -> Result<BackupCheck, AppError> {
    let started = Instant::now();
    let heartbeat = Heartbeat::start(state.db.clone(), Subject::Check(check.id));
    let mut evidence = check.evidence.clone();
    let outcome = match available_run(state, check.run_id).await {
        Ok(run) => restore_and_compare(state, &run, check.kind, &mut evidence).await,
        Err(error) => {
            evidence.error = Some(error.to_string());
            CheckOutcome::Fail
        }
    };
    drop(heartbeat);
    evidence.duration_ms = Some(started.elapsed().as_millis() as u64);
    finish(state, check.id, check.run_id, check.kind, outcome, &evidence, starter).await
}

async fn restore_and_compare(
    state: &AppState,
    run: &BackupRun,
    kind: CheckKind,
    evidence: &mut Evidence,
) -> CheckOutcome {
    let database = evidence.database.clone().unwrap_or_default();
    let url = {
        let Ok(mut conn) = state.connection("db acquire").await else {
            evidence.error = Some("the Opsdeck database is unavailable".into());
            return CheckOutcome::Fail;
        };
        match state.backups.url_of(&mut conn, run.target_id).await {
            Ok(url) => url,
            Err(error) => {
                evidence.error = Some(error);
                return CheckOutcome::Fail;
            }
        }
    };
    // Connected to the target's own database: CREATE/DROP DATABASE work from any.
    let mut server = match tools::connect(&url).await {
        Ok(conn) => conn,
        Err(error) => {
            evidence.error = Some(error);
            return CheckOutcome::Fail;
        }
    };
    // The name is a checked plain identifier (or generated): safe unquoted-style, quoted anyway.
    if let Err(error) = sqlx::query(&format!("CREATE DATABASE \"{database}\""))
        .execute(&mut server)
        .await
    {
        evidence.error = Some(url.redact(&format!("could not create database {database}: {error}")));
        return CheckOutcome::Fail;
    }
    let target = url.with_database(&database);
    let restored = restore_into(state, run, &target).await;
    let outcome = match &restored {
        Ok(()) => compare_counts(run, &target, evidence).await,
        Err(error) => {
            evidence.error = Some(error.clone());
            CheckOutcome::Fail
        }
    };
    // A restore test's database always goes; a restore's stays once pg_restore
    // completed (even if counts differ: the admin decides), never half-restored.
    let keep = kind == CheckKind::Restore && restored.is_ok();
    if !keep {
        let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
            .execute(&mut server)
            .await;
        if let Err(error) = &dropped {
            tracing::error!(%error, database, "could not drop a restored database");
        }
        evidence.dropped = Some(dropped.is_ok());
    }
    outcome
}

async fn restore_into(state: &AppState, run: &BackupRun, target: &ConnectionUrl) -> Result<(), String> {
    let key = run.location.as_deref().ok_or("the record names no file")?;
    let path = state
        .backups
        .store
        .path(key)
        .await
        .map_err(|e| format!("could not read the backup file: {e}"))?;
    let mut command = tools::command("pg_restore", Some(target))?;
    command
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--exit-on-error")
        .arg("--no-password")
        .arg(format!("--dbname={}", target.without_password()))
        .arg(&path);
    let (status, _, stderr) = tools::output(command)
        .await
        .map_err(|e| format!("could not run pg_restore: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(tools::failure("pg_restore", status, &stderr, target))
    }
}

async fn compare_counts(run: &BackupRun, target: &ConnectionUrl, evidence: &mut Evidence) -> CheckOutcome {
    let expected = run.table_counts.clone().unwrap_or_default();
    let actual = match tools::connect(target).await {
        Ok(mut conn) => {
            let counts = tools::table_counts(&mut conn).await.map_err(|e| e.to_string());
            // Closed now, so dropping the database need not wait for the session to end.
            let _ = sqlx::Connection::close(conn).await;
            counts
        }
        Err(error) => Err(error),
    };
    let actual = match actual {
        Ok(actual) => actual,
        Err(error) => {
            evidence.error = Some(format!("could not count the restored rows: {error}"));
            return CheckOutcome::Fail;
        }
    };
    evidence.differences = differences(&expected, &actual);
    evidence.tables_compared = Some(expected.len());
    evidence.rows_compared = Some(expected.values().sum());
    if evidence.differences.is_empty() && !expected.is_empty() {
        CheckOutcome::Pass
    } else {
        if expected.is_empty() {
            evidence.error = Some("the backup recorded no tables to compare".into());
        }
        CheckOutcome::Fail
    }
}

/// Tables whose counts differ, are missing after the restore, or appeared.
fn differences(expected: &BTreeMap<String, i64>, actual: &BTreeMap<String, i64>) -> Vec<CountDifference> {
    let mut tables: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    tables.sort();
    tables.dedup();
    tables
        .into_iter()
        .filter_map(|table| {
            let (want, got) = (expected.get(table).copied(), actual.get(table).copied());
            (want != got).then(|| CountDifference {
                table: table.clone(),
                expected: want,
                actual: got,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_data_entries_are_read_from_the_listing() {
        let listing = ";\n; Archive created at 2026-11-24\n;\n\
            215; 1259 16390 TABLE public users postgres\n\
            3383; 0 16390 TABLE DATA public users postgres\n\
            3384; 0 16400 TABLE DATA public request_events_p20261124 postgres\n";
        let (tables, entries) = table_data_entries(listing);
        assert_eq!(entries, 3);
        assert_eq!(tables, vec!["public.users", "public.request_events_p20261124"]);
    }

    #[test]
    fn differences_name_changed_missing_and_new_tables() {
        let expected = BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 2), ("c".to_string(), 3)]);
        let actual = BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 5), ("d".to_string(), 0)]);
        let found = differences(&expected, &actual);
        let tables: Vec<&str> = found.iter().map(|d| d.table.as_str()).collect();
        assert_eq!(tables, vec!["b", "c", "d"]);
        assert_eq!(found[1].actual, None);
        assert_eq!(found[2].expected, None);
        assert!(differences(&expected, &expected).is_empty());
    }
}
