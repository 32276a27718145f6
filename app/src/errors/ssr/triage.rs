//! What merging and unmerging share: the order locks are taken in, the
//! issue as its audit entries show it before and after, and where the
//! browser goes next.
//!
//! Locks, always in this order: the triage lock (one merge or unmerge at a
//! time), the hashes' ingest locks in the order ingest takes them
//! (`write::lock_hashes`: `(project, hashtext(hash))`, hashes in byte order),
//! then the issues' rows by id. Ingest holds a hash's lock until it commits,
//! so an event is stored wholly before a move or wholly after it, under the
//! issue its hash then names.

use serde_json::Value;
use sqlx::PgConnection;

use crate::error::AppError;

/// `pg_advisory_xact_lock` key of merges and unmerges ('opsdeck errors triage').
const TRIAGE_LOCK: i64 = 7_202_612_072;

/// An issue's row, locked.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LockedIssue {
    pub id: i64,
    pub project_id: i32,
    pub merged_into: Option<i64>,
}

/// Takes the triage lock, then the ingest locks of every hash of `issues`.
pub async fn lock_hashes_of(conn: &mut PgConnection, issues: &[i64]) -> Result<(), AppError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(TRIAGE_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(AppError::internal_in("errors: triage lock"))?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(project_id, hashtext(hash)) FROM \
         (SELECT project_id, hash FROM error_hashes WHERE issue_id = ANY($1) ORDER BY hash COLLATE \"C\") h",
    )
    .bind(issues)
    .execute(&mut *conn)
    .await
    .map_err(AppError::internal_in("errors: hash locks"))?;
    Ok(())
}

/// Locks the rows of `issues` (those that exist), by id.
pub async fn lock_issues(conn: &mut PgConnection, issues: &[i64]) -> Result<Vec<LockedIssue>, AppError> {
    sqlx::query_as("SELECT id, project_id, merged_into FROM error_issues WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(issues)
        .fetch_all(conn)
        .await
        .map_err(AppError::internal_in("errors: lock issues"))
}

/// Issue `id` as its audit entries record it: counts, times and hashes.
pub async fn snapshot(conn: &mut PgConnection, id: i64) -> Result<Value, AppError> {
    sqlx::query_scalar(
        "SELECT jsonb_build_object('id', i.id, 'title', i.title, 'state', i.state, \
           'event_count', i.event_count, 'user_count', i.user_count, \
           'first_seen', i.first_seen, 'last_seen', i.last_seen, 'merged_into', i.merged_into, \
           'hashes', COALESCE((SELECT jsonb_agg(h.hash ORDER BY h.hash) FROM error_hashes h \
                               WHERE h.issue_id = i.id), '[]'::jsonb)) \
         FROM error_issues i WHERE i.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
    .map_err(AppError::internal_in("errors: issue snapshot"))
}

/// `id`, after sending a browser without JavaScript to its issue page.
pub fn go_to_issue(id: i64) -> i64 {
    crate::error::redirect_on_success(&format!("/errors/issues/{id}"), id)
}
