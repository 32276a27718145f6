//! What an event does to a resolved or ignored issue, in the event's own
//! transaction (`store`): a resolved issue regresses when the event's
//! release is at or after the resolving one (`release_order`); an ignored
//! one is unresolved again once its condition has passed (a time, a number
//! of events or of users). Each change is written with an audit entry by
//! Opsdeck; the entries are appended by `store` after every event of the
//! envelope, so the audit chain's lock is taken last and held briefly.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::release_order::{ReleaseFacts, ResolvedBy, compare, reopens};
use super::states::{COLUMNS, IssueState, NewState, entry, opsdeck, write};
use crate::audit::ssr::{AuditKey, NewAuditEntry, append};

/// Reopens issue `issue_id` if the event (of `release`, stored just before,
/// in this transaction) says so; returns the audit entry to append.
pub async fn after_event(
    conn: &mut PgConnection,
    issue_id: i64,
    release: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<NewAuditEntry>> {
    let issue: IssueState = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM error_issues i JOIN error_projects p ON p.id = i.project_id WHERE i.id = $1"
    ))
    .bind(issue_id)
    .fetch_one(&mut *conn)
    .await?;
    let (action, new, why) = match issue.state.as_str() {
        "resolved" => {
            let by = resolved_by(conn, &issue).await?;
            let facts = facts(conn, &issue, &by, release).await?;
            if !reopens(&by, release, &facts) {
                return Ok(None);
            }
            let why = json!({ "event_release": release, "resolved_in": resolving(&by) });
            ("error_issue.regress", NewState::open("regressed"), why)
        }
        "ignored" if issue.columns().ignore_passed(now) => (
            "error_issue.unignore",
            NewState::open("unresolved"),
            json!({ "events": issue.event_count, "users": issue.user_count }),
        ),
        _ => return Ok(None),
    };
    write(conn, issue.id, &new).await?;
    let (actor, client) = opsdeck();
    Ok(Some(entry(actor, client, action, &issue, &new, Some(why))))
}

/// Ignored issues whose time ran out with no event to notice it: each is
/// unresolved by Opsdeck, audited (`workers/ignore_expiry.rs`, every
/// minute on one instance). At most `limit` per call; returns how many.
pub async fn expire_ignores(pool: &PgPool, audit: &AuditKey, now: DateTime<Utc>, limit: i64) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    // SKIP LOCKED: an issue an event or a person is changing right now is left to them.
    let issues: Vec<IssueState> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM error_issues i JOIN error_projects p ON p.id = i.project_id \
         WHERE i.state = 'ignored' AND i.ignore_until <= $1 ORDER BY i.id LIMIT $2 FOR UPDATE OF i SKIP LOCKED"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let new = NewState::open("unresolved");
    for issue in &issues {
        write(&mut tx, issue.id, &new).await?;
    }
    for issue in &issues {
        let (actor, client) = opsdeck();
        let why = json!({ "ignored_until": issue.ignore_until });
        append(
            &mut tx,
            audit,
            entry(actor, client, "error_issue.unignore", issue, &new, Some(why)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(issues.len())
}

fn resolving(by: &ResolvedBy) -> Option<String> {
    match by {
        ResolvedBy::Now => None,
        ResolvedBy::Release(release) => Some(release.clone()),
        ResolvedBy::After { current, .. } => current.as_ref().map(|c| format!("the release after {c}")),
    }
}

/// How `issue` was resolved; for "next release", the first release of its
/// service deployed after the resolve (never deployed before it), if any.
async fn resolved_by(conn: &mut PgConnection, issue: &IssueState) -> sqlx::Result<ResolvedBy> {
    let resolved_at = issue.resolved_at.unwrap_or_default();
    Ok(match issue.resolution.as_deref() {
        Some("in_release") => ResolvedBy::Release(issue.resolved_in_release.clone().unwrap_or_default()),
        Some("next_release") => match next_release(conn, &issue.service, resolved_at).await? {
            Some(next) => ResolvedBy::Release(next),
            None => ResolvedBy::After {
                current: issue.resolved_current_release.clone(),
                resolved_at,
            },
        },
        _ => ResolvedBy::Now,
    })
}

/// The first release of `service` deployed after `after` that had not
/// been deployed before it (a redeploy of the current one is not "next").
pub async fn next_release(
    conn: &mut PgConnection,
    service: &str,
    after: DateTime<Utc>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT d.version FROM deployments d WHERE d.service = $1 AND d.status <> 'failed' AND d.started_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM deployments e WHERE e.service = d.service AND e.version = d.version \
                         AND e.status <> 'failed' AND e.started_at <= $2) \
         ORDER BY d.started_at, d.id LIMIT 1",
    )
    .bind(service)
    .bind(after)
    .fetch_optional(conn)
    .await
}

/// The deployments of the releases compared and, only when those and
/// their versions cannot order them, when the issue first saw each. A
/// named release the issue never saw counts as seen when it was named.
async fn facts(
    conn: &mut PgConnection,
    issue: &IssueState,
    by: &ResolvedBy,
    release: Option<&str>,
) -> sqlx::Result<ReleaseFacts> {
    let Some(release) = release else {
        return Ok(ReleaseFacts::default());
    };
    let other = match by {
        ResolvedBy::Now => return Ok(ReleaseFacts::default()),
        ResolvedBy::Release(fixed) => Some(fixed.as_str()),
        ResolvedBy::After { current, .. } => current.as_deref(),
    };
    let names: Vec<&str> = [Some(release), other].into_iter().flatten().collect();
    let deployed: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT version, min(started_at) FROM deployments \
         WHERE service = $1 AND version = ANY($2) AND status <> 'failed' GROUP BY version",
    )
    .bind(&issue.service)
    .bind(&names)
    .fetch_all(&mut *conn)
    .await?;
    let mut facts = ReleaseFacts {
        deployed: deployed.into_iter().collect(),
        first_seen: HashMap::new(),
    };
    if other.is_some_and(|other| compare(release, other, &facts).is_some()) {
        return Ok(facts);
    }
    for name in names {
        // The issue's events by time, from the oldest: an old release is found at once.
        let seen: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT ts FROM error_events WHERE issue_id = $1 AND release = $2 ORDER BY ts, id LIMIT 1",
        )
        .bind(issue.id)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        let named_at = matches!(by, ResolvedBy::Release(fixed) if fixed == name)
            .then_some(issue.resolved_at)
            .flatten();
        if let Some(at) = seen.or(named_at) {
            facts.first_seen.insert(name.to_string(), at);
        }
    }
    Ok(facts)
}
