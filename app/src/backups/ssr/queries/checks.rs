//! Checks of a backup: verification and restore tests, with their evidence.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::backups::{BackupCheck, CheckKind, CheckOutcome, Evidence};

type CheckRow = (
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<String>,
    serde_json::Value,
);

const CHECK_COLUMNS: &str = "id, run_id, kind, started_by, started_at, finished_at, outcome, evidence";

fn check_from((id, run_id, kind, started_by, started_at, finished_at, outcome, evidence): CheckRow) -> BackupCheck {
    BackupCheck {
        id,
        run_id,
        kind: CheckKind::parse(&kind).unwrap_or(CheckKind::Verify),
        started_by,
        started_at,
        finished_at,
        outcome: outcome.as_deref().and_then(CheckOutcome::parse),
        evidence: serde_json::from_value(evidence).unwrap_or_default(),
    }
}

pub async fn checks_of(conn: &mut PgConnection, run_id: i64) -> sqlx::Result<Vec<BackupCheck>> {
    let rows: Vec<CheckRow> = sqlx::query_as(&format!(
        "SELECT {CHECK_COLUMNS} FROM backup_checks WHERE run_id = $1 ORDER BY started_at DESC, id DESC LIMIT 50"
    ))
    .bind(run_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(check_from).collect())
}

pub async fn check(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BackupCheck>> {
    let row: Option<CheckRow> = sqlx::query_as(&format!("SELECT {CHECK_COLUMNS} FROM backup_checks WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(check_from))
}

pub async fn insert_check(
    conn: &mut PgConnection,
    run_id: i64,
    kind: CheckKind,
    started_by: &str,
    evidence: &Evidence,
) -> sqlx::Result<i64> {
    let evidence = serde_json::to_value(evidence).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_scalar(
        "INSERT INTO backup_checks (run_id, kind, started_by, evidence) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(run_id)
    .bind(kind.as_str())
    .bind(started_by)
    .bind(evidence)
    .fetch_one(conn)
    .await
}

pub async fn check_heartbeat(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE backup_checks SET heartbeat_at = now() WHERE id = $1 AND finished_at IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn finish_check(
    conn: &mut PgConnection,
    id: i64,
    outcome: CheckOutcome,
    evidence: &Evidence,
) -> sqlx::Result<()> {
    let evidence = serde_json::to_value(evidence).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query("UPDATE backup_checks SET outcome = $2, evidence = $3, finished_at = now() WHERE id = $1")
        .bind(id)
        .bind(outcome.as_str())
        .bind(evidence)
        .execute(conn)
        .await?;
    Ok(())
}
