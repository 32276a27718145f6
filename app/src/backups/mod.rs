//! Backups: targets (the databases backed up), runs (each backup taken with
//! `pg_dump`, its checksum and row counts) and checks (verification,
//! restore tests, restores into a new database) with their evidence.
//!
//! This file holds what the Backups pages, the CLI and the JSON output show
//! of them. No type here carries a connection URL: targets show their host
//! and database only. The server functions are in `api` (re-exported here),
//! their services and SQL under `ssr`.

#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

pub mod api;
pub use api::*;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Runs shown per page.
pub const RUNS_PER_PAGE: i64 = 20;

/// Where a run stands. A run is `succeeded` only once its file is complete,
/// checksummed and renamed into place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<RunStatus> {
        [RunStatus::Running, RunStatus::Succeeded, RunStatus::Failed]
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunTrigger {
    Schedule,
    Manual,
    BeforeMigration,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RunTrigger::Schedule => "schedule",
            RunTrigger::Manual => "manual",
            RunTrigger::BeforeMigration => "before-migration",
        }
    }

    pub fn parse(value: &str) -> Option<RunTrigger> {
        [RunTrigger::Schedule, RunTrigger::Manual, RunTrigger::BeforeMigration]
            .into_iter()
            .find(|trigger| trigger.as_str() == value)
    }
}

/// What a check of a backup did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Checksum recomputed, archive contents listed (`pg_restore --list`).
    Verify,
    /// Restored into a temporary database, row counts compared, dropped.
    RestoreTest,
    /// Restored into a new database an admin named, which is kept.
    Restore,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Verify => "verify",
            CheckKind::RestoreTest => "restore_test",
            CheckKind::Restore => "restore",
        }
    }

    pub fn parse(value: &str) -> Option<CheckKind> {
        [CheckKind::Verify, CheckKind::RestoreTest, CheckKind::Restore]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Verify => "Verification",
            CheckKind::RestoreTest => "Restore test",
            CheckKind::Restore => "Restore into a new database",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckOutcome {
    Pass,
    Fail,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
        }
    }

    pub fn parse(value: &str) -> Option<CheckOutcome> {
        [CheckOutcome::Pass, CheckOutcome::Fail]
            .into_iter()
            .find(|outcome| outcome.as_str() == value)
    }
}

/// A database Opsdeck backs up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupTarget {
    pub id: i64,
    pub name: String,
    /// Opsdeck's own database (always present, cannot be deleted).
    pub is_self: bool,
    /// `host:port/database`: never the user or password.
    pub location: String,
    /// Cron expression (UTC), or `None` for by hand only.
    pub schedule: Option<String>,
    pub restore_schedule: Option<String>,
    pub keep_last: Option<i32>,
    pub keep_days: Option<i32>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub next_restore_test_at: Option<DateTime<Utc>>,
}

impl BackupTarget {
    /// "last 7, 30 days", or "keep all".
    pub fn retention_text(&self) -> String {
        let parts: Vec<String> = [
            self.keep_last.map(|n| format!("last {n}")),
            self.keep_days.map(|d| format!("{d} days")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "keep all".to_string()
        } else {
            parts.join(" + ")
        }
    }
}

/// The latest check of one kind, for the list's at-a-glance badges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    pub id: i64,
    /// `None` while it runs.
    pub outcome: Option<CheckOutcome>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One backup run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupRun {
    pub id: i64,
    pub target_id: i64,
    pub target_name: String,
    pub trigger: RunTrigger,
    /// The user's email, `cli` or `scheduler`.
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    /// Bytes written so far (while running) or in all.
    pub progress_bytes: i64,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    /// The file's key in the backup store.
    pub location: Option<String>,
    pub server_version: Option<String>,
    /// Rows per `schema.table` at backup time.
    pub table_counts: Option<BTreeMap<String, i64>>,
    pub error: Option<String>,
    pub pruned_at: Option<DateTime<Utc>>,
    pub last_verify: Option<CheckSummary>,
    pub last_restore_test: Option<CheckSummary>,
}

impl BackupRun {
    pub fn duration_secs(&self) -> Option<f64> {
        self.finished_at
            .map(|end| (end - self.started_at).num_milliseconds() as f64 / 1000.0)
    }

    /// A backup whose file can be verified, restore-tested and downloaded.
    pub fn is_available(&self) -> bool {
        self.status == RunStatus::Succeeded && self.pruned_at.is_none()
    }

    /// The first 8 hex digits of the checksum: enough to tell backups apart.
    pub fn short_sha(&self) -> Option<String> {
        self.sha256.as_ref().map(|sha| sha.chars().take(8).collect())
    }
}

/// A table whose row count differed (or that was missing) after a restore.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountDifference {
    pub table: String,
    /// At backup time; `None`: not in the backup's counts.
    pub expected: Option<i64>,
    /// After restoring; `None`: the table is missing.
    pub actual: Option<i64>,
}

/// What a check found. Fields not concerning its kind stay empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    pub duration_ms: Option<u64>,
    /// Why it failed, when it could not finish its comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    // Verification
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_size: Option<i64>,
    /// Entries in the archive's table of contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toc_entries: Option<usize>,
    /// Tables counted at backup time without a TABLE DATA entry in the archive.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_table_data: Vec<String>,
    // Restores
    /// The database restored into (dropped again after a restore test).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables_compared: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_compared: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<CountDifference>,
    /// Whether the temporary database was dropped (restore tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<bool>,
}

/// One check of a backup, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupCheck {
    pub id: i64,
    pub run_id: i64,
    pub kind: CheckKind,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `None` while it runs.
    pub outcome: Option<CheckOutcome>,
    pub evidence: Evidence,
}

/// The Backups page: targets, one page of runs, and what the viewer may do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupsOverview {
    pub targets: Vec<BackupTarget>,
    pub runs: Vec<BackupRun>,
    /// The `before` of the next (older) page, when there is one.
    pub older: Option<i64>,
    /// Whether anything (a run or a check) is running: the page refreshes.
    pub busy: bool,
    pub may_run: bool,
    pub may_manage: bool,
}

/// One run's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: BackupRun,
    pub target: BackupTarget,
    /// Newest first.
    pub checks: Vec<BackupCheck>,
    pub busy: bool,
    pub may_run: bool,
    pub may_manage: bool,
}

/// Whole bytes as `12.3 MB`.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A target's name (backup targets, monitored data stores): what
/// `--target NAME`, file names and service names use.
pub fn parse_target_name(text: &str) -> Result<String, AppError> {
    let name = text.trim().to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(name)
    } else {
        Err(AppError::validation(
            "name",
            "Use 1–63 lowercase letters, digits, - or _, starting with a letter or digit.",
        ))
    }
}

#[cfg(test)]
mod tests;
