//! Restore tests (into a temporary database, dropped again) and restores
//! into a new database an admin named (kept): `start_restore` records the
//! check and its audit entry, `perform_restore` restores and compares counts.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use super::{audited_action, available_run, file_path, finish, load_check};
use crate::audit::Outcome;
use crate::audit::ssr::append_and_commit;
use crate::backups::ssr::connection::{ConnectionUrl, parse_database_name};
use crate::backups::ssr::heartbeat::{Heartbeat, Subject};
use crate::backups::ssr::{Starter, queries, tools};
use crate::backups::{BackupCheck, BackupRun, CheckKind, CheckOutcome, CountDifference, Evidence};
use crate::error::AppError;
use crate::state::AppState;

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

/// Records a restore test (or a restore into `database`) and performs it
/// in the background: the page follows it on the run's page.
pub async fn restore_now(
    state: AppState,
    run_id: i64,
    kind: CheckKind,
    database: Option<&str>,
    starter: Starter,
) -> Result<BackupCheck, AppError> {
    let check = start_restore(&state, run_id, kind, database, &starter).await?;
    let started = check.clone();
    tokio::spawn(async move {
        if let Err(error) = perform_restore(&state, &started, &starter).await {
            tracing::error!(%error, check = started.id, "restore could not be recorded");
        }
    });
    Ok(check)
}

/// Opsdeck never restores over a database: an existing name is refused.
async fn refuse_existing(state: &AppState, run: &BackupRun, name: &str) -> Result<(), AppError> {
    let mut conn = state.connection("db acquire").await?;
    let url = state
        .backups
        .url_of(&mut conn, &state.secrets, run.target_id)
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
        match state.backups.url_of(&mut conn, &state.secrets, run.target_id).await {
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
    let path = file_path(state, key).await?;
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
