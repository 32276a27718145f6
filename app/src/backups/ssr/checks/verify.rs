//! Verification: the file's SHA-256 and size against the record, and its
//! table of contents (`pg_restore --list`) against the tables counted.

use std::time::Instant;

use super::{available_run, file_path, finish};
use crate::backups::ssr::{Starter, queries, tools};
use crate::backups::{BackupCheck, BackupRun, CheckKind, CheckOutcome, Evidence};
use crate::error::AppError;
use crate::state::AppState;

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
    crate::backups::ssr::dump::copy_hashing(file, &mut tokio::io::sink(), &std::sync::atomic::AtomicI64::new(0)).await
}

async fn list_contents(state: &AppState, key: &str) -> Result<(Vec<String>, usize), String> {
    let path = file_path(state, key).await?;
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
}
