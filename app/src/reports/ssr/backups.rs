//! The month's backups per target: runs finished in the month, how many
//! succeeded, and the newest restore test that passed by the month's end.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::reports::view::BackupRow;

/// (target id, name, runs finished, succeeded, last passed restore test).
type Row = (i64, String, i64, i64, Option<DateTime<Utc>>);

/// Every backup target, by name.
pub async fn per_target(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<BackupRow>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.name, \
             (SELECT count(*) FROM backup_runs r WHERE r.target_id = t.id AND r.status <> 'running' \
                AND r.finished_at >= $1 AND r.finished_at < $2), \
             (SELECT count(*) FROM backup_runs r WHERE r.target_id = t.id AND r.status = 'succeeded' \
                AND r.finished_at >= $1 AND r.finished_at < $2), \
             (SELECT max(c.finished_at) FROM backup_checks c JOIN backup_runs r ON r.id = c.run_id \
              WHERE r.target_id = t.id AND c.kind = 'restore_test' AND c.outcome = 'pass' AND c.finished_at < $2) \
         FROM backup_targets t ORDER BY t.name",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(target_id, target, runs, succeeded, last_restore_test)| BackupRow {
            target_id,
            target,
            runs,
            succeeded,
            last_restore_test,
        })
        .collect())
}
