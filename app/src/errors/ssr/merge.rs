//! Merging issues into one, in one transaction with its audit entry
//! (`error_issue.merge`, before and after of every issue involved): the
//! merged issues' hashes move to the target — so their later events land
//! there —, with their events, per-minute and per-hour counts and users; the target's
//! counts and first/last seen combine. A merged issue stays as a pointer to
//! the target (`merged_into`), its own counts zero.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::triage::{lock_hashes_of, lock_issues, snapshot};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append_and_commit};
use crate::error::AppError;
use crate::state::AppState;

/// Merges `sources` into `into`; answers `into`.
pub async fn merge(
    state: &AppState,
    actor: Actor,
    client: ClientInfo,
    into: i64,
    sources: &[i64],
) -> Result<i64, AppError> {
    let mut tx = state.begin("errors: merge").await?;
    let all: Vec<i64> = sources.iter().copied().chain([into]).collect();
    lock_hashes_of(&mut tx, &all).await?;
    check(&lock_issues(&mut tx, &all).await?, into, sources)?;
    let before = snapshots(&mut tx, &all).await?;
    move_into(&mut tx, into, sources)
        .await
        .map_err(AppError::internal_in("errors: merge"))?;
    let after = snapshots(&mut tx, &all).await?;
    let entry = NewAuditEntry::new(actor, "error_issue.merge", Outcome::Success, client)
        .target("error_issue", into)
        .change(Some(before), Some(after));
    append_and_commit(tx, &state.audit_key, entry, "errors: merge audit").await?;
    Ok(into)
}

/// Refuses a merge of issues that are missing, merged already, or of
/// another service than the target's.
fn check(locked: &[super::triage::LockedIssue], into: i64, sources: &[i64]) -> Result<(), AppError> {
    let find = |id: i64| locked.iter().find(|issue| issue.id == id);
    let target = find(into).ok_or_else(|| AppError::validation("into", format!("There is no issue {into}")))?;
    if let Some(to) = target.merged_into {
        return Err(AppError::validation(
            "into",
            format!("Issue {into} was merged into issue {to}; merge into that one"),
        ));
    }
    for &id in sources {
        let issue = find(id).ok_or_else(|| AppError::validation("issues", format!("There is no issue {id}")))?;
        if let Some(to) = issue.merged_into {
            return Err(AppError::validation(
                "issues",
                format!("Issue {id} was merged into issue {to} already"),
            ));
        }
        if issue.project_id != target.project_id {
            return Err(AppError::validation(
                "into",
                format!("Issue {id} is of another service than issue {into}; only one service's issues merge"),
            ));
        }
    }
    Ok(())
}

async fn snapshots(conn: &mut PgConnection, ids: &[i64]) -> Result<Value, AppError> {
    let mut issues = Vec::with_capacity(ids.len());
    for &id in ids {
        issues.push(snapshot(&mut *conn, id).await?);
    }
    Ok(json!({ "issues": issues }))
}

async fn move_into(conn: &mut PgConnection, into: i64, sources: &[i64]) -> sqlx::Result<()> {
    // Each statement moves one kind of row from the sources to the target.
    let moves = [
        // A hash remembers the issue it first belonged to, for an unmerge.
        "UPDATE error_hashes SET origin_issue_id = COALESCE(origin_issue_id, issue_id), issue_id = $1 \
         WHERE issue_id = ANY($2)",
        "UPDATE error_events SET issue_id = $1 WHERE issue_id = ANY($2)",
        "INSERT INTO error_issue_minutes (issue_id, minute, events) \
         SELECT $1, minute, sum(events)::int FROM error_issue_minutes WHERE issue_id = ANY($2) GROUP BY minute \
         ON CONFLICT (issue_id, minute) DO UPDATE SET events = error_issue_minutes.events + EXCLUDED.events",
        "DELETE FROM error_issue_minutes WHERE issue_id = ANY($2)",
        "INSERT INTO error_issue_hours (issue_id, hour, events) \
         SELECT $1, hour, sum(events)::bigint FROM error_issue_hours WHERE issue_id = ANY($2) GROUP BY hour \
         ON CONFLICT (issue_id, hour) DO UPDATE SET events = error_issue_hours.events + EXCLUDED.events",
        "DELETE FROM error_issue_hours WHERE issue_id = ANY($2)",
        "INSERT INTO error_issue_users (issue_id, user_key) \
         SELECT $1, user_key FROM error_issue_users WHERE issue_id = ANY($2) ON CONFLICT DO NOTHING",
        "DELETE FROM error_issue_users WHERE issue_id = ANY($2)",
        "UPDATE error_issues t SET event_count = t.event_count + s.events, \
           user_count = (SELECT count(*) FROM error_issue_users u WHERE u.issue_id = t.id), \
           first_seen = LEAST(t.first_seen, s.first_seen), last_seen = GREATEST(t.last_seen, s.last_seen), \
           first_release = CASE WHEN s.first_seen < t.first_seen THEN s.first_release ELSE t.first_release END, \
           level = CASE WHEN s.last_seen > t.last_seen THEN s.level ELSE t.level END \
         FROM (SELECT sum(event_count)::bigint AS events, min(first_seen) AS first_seen, \
                      max(last_seen) AS last_seen, \
                      (array_agg(first_release ORDER BY first_seen))[1] AS first_release, \
                      (array_agg(level ORDER BY last_seen DESC))[1] AS level \
               FROM error_issues WHERE id = ANY($2)) s \
         WHERE t.id = $1",
        // Pointers to a source (merged into it before) now point to the target.
        "UPDATE error_issues SET merged_into = $1 WHERE merged_into = ANY($2)",
        "UPDATE error_issues SET merged_into = $1, event_count = 0, user_count = 0 WHERE id = ANY($2)",
    ];
    for sql in moves {
        sqlx::query(sql).bind(into).bind(sources).execute(&mut *conn).await?;
    }
    Ok(())
}
