//! Backup targets: where backups go, their schedules and retention.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::backups::BackupTarget;
use crate::backups::ssr::connection::next_occurrence;

type TargetRow = (
    i64,
    String,
    bool,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
);

const TARGET_COLUMNS: &str = "t.id, t.name, t.is_self, t.display_location, t.schedule, t.restore_schedule, \
     t.keep_last, t.keep_days, \
     (SELECT max(r.finished_at) FROM backup_runs r WHERE r.target_id = t.id AND r.status = 'succeeded'), \
     t.schedule_checked_at, t.restore_checked_at";

fn target_from(row: TargetRow, own_location: &str) -> BackupTarget {
    let (
        id,
        name,
        is_self,
        location,
        schedule,
        restore_schedule,
        keep_last,
        keep_days,
        last_success_at,
        checked,
        restore_checked,
    ) = row;
    let now = Utc::now();
    BackupTarget {
        id,
        name,
        is_self,
        location: if is_self { own_location.to_string() } else { location },
        next_run_at: next_occurrence(schedule.as_deref(), checked.max(now)),
        next_restore_test_at: next_occurrence(restore_schedule.as_deref(), restore_checked.max(now)),
        schedule,
        restore_schedule,
        keep_last,
        keep_days,
        last_success_at,
    }
}

/// Every target, Opsdeck's own first, then by name.
pub async fn targets(conn: &mut PgConnection, own_location: &str) -> sqlx::Result<Vec<BackupTarget>> {
    let rows: Vec<TargetRow> = sqlx::query_as(&format!(
        "SELECT {TARGET_COLUMNS} FROM backup_targets t ORDER BY t.is_self DESC, t.name"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|row| target_from(row, own_location)).collect())
}

pub async fn target(conn: &mut PgConnection, id: i64, own_location: &str) -> sqlx::Result<Option<BackupTarget>> {
    let row: Option<TargetRow> = sqlx::query_as(&format!(
        "SELECT {TARGET_COLUMNS} FROM backup_targets t WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| target_from(row, own_location)))
}

pub async fn target_id_by_name(conn: &mut PgConnection, name: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM backup_targets WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
}

pub async fn self_target_id(conn: &mut PgConnection) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM backup_targets WHERE is_self")
        .fetch_optional(conn)
        .await
}

/// The stored connection URL of a target, sealed (`crate::secrets`; `None` for Opsdeck's own).
pub async fn stored_url(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT connection_url FROM backup_targets WHERE id = $1")
        .bind(target_id)
        .fetch_one(conn)
        .await
}

/// A target's settings as saved (the URL only when a new one was given).
pub struct TargetChange<'a> {
    pub name: &'a str,
    pub connection_url: Option<&'a str>,
    pub display_location: Option<&'a str>,
    pub schedule: Option<&'a str>,
    pub restore_schedule: Option<&'a str>,
    pub keep_last: Option<i32>,
    pub keep_days: Option<i32>,
}

pub async fn insert_target(conn: &mut PgConnection, change: &TargetChange<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO backup_targets (name, connection_url, display_location, schedule, restore_schedule, \
         keep_last, keep_days) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(change.name)
    .bind(change.connection_url)
    .bind(change.display_location.unwrap_or_default())
    .bind(change.schedule)
    .bind(change.restore_schedule)
    .bind(change.keep_last)
    .bind(change.keep_days)
    .fetch_one(conn)
    .await
}

/// Updates a target; a changed schedule starts counting from now.
pub async fn update_target(conn: &mut PgConnection, id: i64, change: &TargetChange<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE backup_targets SET name = $2, \
         connection_url = coalesce($3, connection_url), display_location = coalesce($4, display_location), \
         schedule_checked_at = CASE WHEN schedule IS DISTINCT FROM $5 THEN now() ELSE schedule_checked_at END, \
         restore_checked_at = CASE WHEN restore_schedule IS DISTINCT FROM $6 THEN now() ELSE restore_checked_at END, \
         schedule = $5, restore_schedule = $6, keep_last = $7, keep_days = $8, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(change.name)
    .bind(change.connection_url)
    .bind(change.display_location)
    .bind(change.schedule)
    .bind(change.restore_schedule)
    .bind(change.keep_last)
    .bind(change.keep_days)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks a target's row until the transaction ends (`None`: no such target).
pub async fn lock_target(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar("SELECT is_self FROM backup_targets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn delete_target(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM backup_targets WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Files of a target's runs that still exist (for deleting the target).
pub async fn target_files(conn: &mut PgConnection, target_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT location FROM backup_runs WHERE target_id = $1 AND location IS NOT NULL AND pruned_at IS NULL",
    )
    .bind(target_id)
    .fetch_all(conn)
    .await
}
