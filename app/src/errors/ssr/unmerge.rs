//! Unmerging: one hash moves out of an issue, with its events, per-minute
//! and per-hour counts and users, into the issue it first belonged to (when that one
//! was merged away and holds nothing now) or a new issue; later events of
//! the hash follow it. One transaction with its audit entry
//! (`error_issue.unmerge`, both issues before and after).
//!
//! Counts come from the stored events, so what is older than the retention
//! window stays counted in the issue it was in.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::triage::{lock_hashes_of, lock_issues, snapshot};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append_and_commit};
use crate::error::AppError;
use crate::state::AppState;

/// Moves `hash` out of `issue_id`; answers the issue it is in now.
pub async fn unmerge(
    state: &AppState,
    actor: Actor,
    client: ClientInfo,
    issue_id: i64,
    hash: &str,
) -> Result<i64, AppError> {
    let fail = AppError::internal_in("errors: unmerge");
    let mut tx = state.begin("errors: unmerge").await?;
    lock_hashes_of(&mut tx, &[issue_id]).await?;
    let (project_id, origin) = hash_of(&mut tx, issue_id, hash).await?;
    let locked = lock_issues(
        &mut tx,
        &[Some(issue_id), origin].into_iter().flatten().collect::<Vec<_>>(),
    )
    .await?;
    let hashes: i64 = sqlx::query_scalar("SELECT count(*) FROM error_hashes WHERE issue_id = $1")
        .bind(issue_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(&fail)?;
    if hashes < 2 {
        return Err(AppError::validation("hash", "An issue's only hash cannot be unmerged"));
    }
    let before = json!({ "issue": snapshot(&mut tx, issue_id).await?, "hash": hash });
    let revivable = locked
        .iter()
        .find(|issue| Some(issue.id) == origin && issue.id != issue_id && issue.merged_into.is_some());
    let split = match revivable {
        Some(issue) => revive(&mut tx, issue.id).await.map_err(&fail)?,
        None => create(&mut tx, project_id, issue_id, hash).await.map_err(&fail)?,
    };
    move_out(&mut tx, issue_id, split, hash).await.map_err(&fail)?;
    let after = json!({
        "issue": snapshot(&mut tx, issue_id).await?,
        "split_out": snapshot(&mut tx, split).await?,
        "hash": hash,
    });
    let entry = NewAuditEntry::new(actor, "error_issue.unmerge", Outcome::Success, client)
        .target("error_issue", issue_id)
        .change(Some(before), Some(after));
    append_and_commit(tx, &state.audit_key, entry, "errors: unmerge audit").await?;
    Ok(split)
}

/// The hash's project and first issue, when it belongs to `issue_id`.
async fn hash_of(conn: &mut PgConnection, issue_id: i64, hash: &str) -> Result<(i32, Option<i64>), AppError> {
    sqlx::query_as("SELECT project_id, origin_issue_id FROM error_hashes WHERE issue_id = $1 AND hash = $2")
        .bind(issue_id)
        .bind(hash)
        .fetch_optional(conn)
        .await
        .map_err(AppError::internal_in("errors: unmerge hash"))?
        .ok_or_else(|| AppError::validation("hash", "This hash is not in this issue (any more); reload the page"))
}

/// A merged-away issue, in use again.
async fn revive(conn: &mut PgConnection, id: i64) -> sqlx::Result<i64> {
    sqlx::query("UPDATE error_issues SET merged_into = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(id)
}

/// A new issue for `hash`, named after its latest stored event (else after
/// the issue it leaves).
async fn create(conn: &mut PgConnection, project_id: i32, from: i64, hash: &str) -> sqlx::Result<i64> {
    let latest: Option<(Value, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT event, culprit, level, ts FROM error_events WHERE issue_id = $1 AND hash = $2 \
         ORDER BY ts DESC, id DESC LIMIT 1",
    )
    .bind(from)
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    let (title, culprit, level, at) = match latest {
        Some((event, culprit, level, at)) => (super::event::title(&event), culprit, level, Some(at)),
        None => sqlx::query_as::<_, (String, String, String)>(
            "SELECT title, culprit, level FROM error_issues WHERE id = $1",
        )
        .bind(from)
        .fetch_one(&mut *conn)
        .await
        .map(|(title, culprit, level)| (title, culprit, level, None))?,
    };
    sqlx::query_scalar(
        "INSERT INTO error_issues (project_id, title, culprit, level, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, COALESCE($5, now()), COALESCE($5, now())) RETURNING id",
    )
    .bind(project_id)
    .bind(title)
    .bind(culprit)
    .bind(level)
    .bind(at)
    .fetch_one(conn)
    .await
}

async fn move_out(conn: &mut PgConnection, from: i64, to: i64, hash: &str) -> sqlx::Result<()> {
    let hash_row = "UPDATE error_hashes SET origin_issue_id = COALESCE(origin_issue_id, issue_id), issue_id = $2 \
                    WHERE issue_id = $1 AND hash = $3";
    sqlx::query(hash_row)
        .bind(from)
        .bind(to)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    let (moved, first, last): (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
        "WITH moved AS (UPDATE error_events SET issue_id = $2 WHERE issue_id = $1 AND hash = $3 RETURNING ts) \
         SELECT count(*), min(ts), max(ts) FROM moved",
    )
    .bind(from)
    .bind(to)
    .bind(hash)
    .fetch_one(&mut *conn)
    .await?;
    // `to` holds no other events: a new issue, or one merged away (its events moved then).
    let mut statements: Vec<String> = [("minute", "error_issue_minutes"), ("hour", "error_issue_hours")]
        .into_iter()
        .flat_map(|(unit, table)| move_counts(unit, table))
        .collect();
    statements.extend([
        "INSERT INTO error_issue_users (issue_id, user_key) \
         SELECT DISTINCT $2::bigint, user_id FROM error_events WHERE issue_id = $2 AND user_id IS NOT NULL \
         ON CONFLICT DO NOTHING"
            .to_string(),
        // A user stays with `from` while one of its remaining events names them.
        "DELETE FROM error_issue_users u WHERE u.issue_id = $1 \
           AND EXISTS (SELECT 1 FROM error_events e WHERE e.issue_id = $2 AND e.user_id = u.user_key) \
           AND NOT EXISTS (SELECT 1 FROM error_events e WHERE e.issue_id = $1 AND e.user_id = u.user_key)"
            .to_string(),
    ]);
    for sql in &statements {
        sqlx::query(sql).bind(from).bind(to).execute(&mut *conn).await?;
    }
    recount(conn, from, to, moved, first, last).await
}

/// The statements moving the counts of `to`'s events (the moved ones) per
/// `unit` (`minute` or `hour`, UTC) from `from`'s rows of `table` to its own.
fn move_counts(unit: &str, table: &str) -> [String; 3] {
    let moved = format!(
        "WITH moved AS (SELECT date_trunc('{unit}', ts, 'UTC') AS {unit}, count(*)::int AS n \
         FROM error_events WHERE issue_id = $2 GROUP BY 1)"
    );
    [
        format!(
            "{moved} INSERT INTO {table} (issue_id, {unit}, events) SELECT $2, {unit}, n FROM moved \
             ON CONFLICT (issue_id, {unit}) DO UPDATE SET events = {table}.events + EXCLUDED.events"
        ),
        format!(
            "{moved} DELETE FROM {table} m USING moved \
             WHERE m.issue_id = $1 AND m.{unit} = moved.{unit} AND m.events <= moved.n"
        ),
        format!(
            "{moved} UPDATE {table} m SET events = m.events - moved.n FROM moved \
             WHERE m.issue_id = $1 AND m.{unit} = moved.{unit}"
        ),
    ]
}

/// Both issues' counts and first/last seen after `moved` events left `from`.
async fn recount(
    conn: &mut PgConnection,
    from: i64,
    to: i64,
    moved: i64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE error_issues t SET event_count = $2, \
           user_count = (SELECT count(*) FROM error_issue_users u WHERE u.issue_id = t.id), \
           first_seen = COALESCE($3, t.first_seen), last_seen = COALESCE($4, t.last_seen), \
           first_release = (SELECT release FROM error_events WHERE issue_id = t.id ORDER BY ts, id LIMIT 1) \
         WHERE t.id = $1",
    )
    .bind(to)
    .bind(moved)
    .bind(first)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    // `from` keeps its first/last seen unless the moved events were them.
    sqlx::query(
        "UPDATE error_issues t SET event_count = GREATEST(t.event_count - $2, 0), \
           user_count = (SELECT count(*) FROM error_issue_users u WHERE u.issue_id = t.id), \
           first_seen = CASE WHEN $3 <= t.first_seen \
             THEN COALESCE((SELECT min(ts) FROM error_events WHERE issue_id = t.id), t.first_seen) \
             ELSE t.first_seen END, \
           last_seen = CASE WHEN $4 >= t.last_seen \
             THEN COALESCE((SELECT max(ts) FROM error_events WHERE issue_id = t.id), t.last_seen) \
             ELSE t.last_seen END \
         WHERE t.id = $1",
    )
    .bind(from)
    .bind(moved)
    .bind(first)
    .bind(last)
    .execute(conn)
    .await?;
    Ok(())
}
