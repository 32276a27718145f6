//! Storing prepared events: for each, in one transaction with the others
//! of its envelope, the event id claimed (a retried envelope stores
//! nothing twice), the hash's issue found — or the issue and its hash
//! created —, the issue's counts, its users and its per-minute and
//! per-hour counts updated, and the event row written; a resolved or ignored issue the
//! event reopens changes state (`reopen`), audited. The caller answers
//! only after the commit.
//!
//! A batch from Opsdeck's own JSON door may also carry an
//! `Idempotency-Key`, claimed like the other doors' (`ingest_batches`);
//! Opsdeck's own failures claim nothing (their ids are fresh).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::event::PreparedEvent;
use super::grouping::VERSION;
use super::partitions::PARTITIONS;
use super::reopen;
use crate::api_keys::ErrorProject;
use crate::audit::ssr::{AuditKey, NewAuditEntry, append};
use crate::errors::live::IssueUpdate;
use crate::ingest_batches::{Batches, Claim};

/// What a store did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub events: usize,
    /// Events whose id this key had sent before: not stored again.
    pub duplicates: usize,
    /// Each stored event's id and issue.
    pub issues: Vec<(String, i64)>,
    /// The issues the stored events touched, as they are after them (for
    /// the Errors pages watching live), each once.
    pub touched: Vec<IssueUpdate>,
    /// The batch's `Idempotency-Key` was committed before: nothing stored
    /// now (`duplicates` is that batch's count).
    pub repeated_batch: bool,
}

impl Stored {
    /// Notes `update`, replacing an earlier one of its issue (still "new"
    /// when the batch created it).
    fn note(&mut self, update: IssueUpdate) {
        match self.touched.iter_mut().find(|seen| seen.issue_id == update.issue_id) {
            Some(seen) => {
                seen.events = update.events;
                seen.title = update.title;
            }
            None => self.touched.push(update),
        }
    }
}

/// Who sent a batch.
#[derive(Clone, Copy, Debug)]
pub enum Sender<'a> {
    /// An API key: each event id is claimed for it, and the batch's
    /// `Idempotency-Key` when it has one.
    Key { id: i64, batch: Option<&'a str> },
    /// Opsdeck itself (its own failures): nothing to claim.
    Opsdeck,
}

/// The project a DSN names, if it exists.
pub async fn project(conn: &mut PgConnection, id: i32) -> sqlx::Result<Option<ErrorProject>> {
    let service: Option<String> = sqlx::query_scalar("SELECT service FROM error_projects WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(service.map(|service| ErrorProject { id, service }))
}

/// Stores `events` sent with `api_key_id` for `project`, all or nothing,
/// with the audit entries of the issues they reopened (`reopen`).
pub async fn store(
    pool: &PgPool,
    audit: &AuditKey,
    api_key_id: i64,
    project: &ErrorProject,
    events: Vec<PreparedEvent>,
) -> sqlx::Result<Stored> {
    let sender = Sender::Key {
        id: api_key_id,
        batch: None,
    };
    store_from(pool, audit, sender, project, events).await
}

/// [`store`] for any [`Sender`].
pub async fn store_from(
    pool: &PgPool,
    audit: &AuditKey,
    sender: Sender<'_>,
    project: &ErrorProject,
    mut events: Vec<PreparedEvent>,
) -> sqlx::Result<Stored> {
    // Hash locks are taken in one order, so two envelopes never wait on each other in a circle.
    events.sort_by(|a, b| a.grouping.hash.cmp(&b.grouping.hash));
    let mut tx = pool.begin().await?;
    if let Sender::Key {
        id,
        batch: Some(idempotency_key),
    } = sender
    {
        let batch = Claim {
            batches: Batches::Errors,
            api_key_id: id,
            idempotency_key,
        };
        if let Some(records) = crate::ingest_batches::claim(&mut tx, batch, events.len()).await? {
            return Ok(Stored {
                duplicates: records,
                repeated_batch: true,
                ..Stored::default()
            });
        }
    }
    let mut stored = Stored::default();
    let mut reopened = Vec::new();
    for event in &events {
        let fresh = match sender {
            Sender::Key { id, .. } => claim(&mut tx, id, &event.event_id).await?,
            Sender::Opsdeck => true,
        };
        if fresh {
            let (update, reopening) = store_one(&mut tx, project, event).await?;
            reopened.extend(reopening);
            stored.events += 1;
            stored.issues.push((event.event_id.clone(), update.issue_id));
            stored.note(update);
        } else {
            stored.duplicates += 1;
        }
    }
    // After every issue row is locked: the audit chain's lock is taken last.
    for entry in reopened {
        append(&mut tx, audit, entry).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// Claims the event id in `ingest_batches` (the doors' idempotency
/// table); `false` when this key stored it before.
async fn claim(conn: &mut PgConnection, api_key_id: i64, event_id: &str) -> sqlx::Result<bool> {
    let claimed = sqlx::query(
        "INSERT INTO ingest_batches (api_key_id, idempotency_key, records) VALUES ($1, $2, 1) \
         ON CONFLICT DO NOTHING",
    )
    .bind(api_key_id)
    .bind(format!("sentry-event:{event_id}"))
    .execute(conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Stores one event; returns its issue as it is now and the audit entry of
/// the state change it caused, if any.
async fn store_one(
    conn: &mut PgConnection,
    project: &ErrorProject,
    event: &PreparedEvent,
) -> sqlx::Result<(IssueUpdate, Option<NewAuditEntry>)> {
    PARTITIONS.ensure_days(&mut *conn, &[event.ts.date_naive()]).await?;
    let (issue_id, new) = issue_for(&mut *conn, project.id, event).await?;
    let new_user = match &event.user {
        Some(user) => {
            sqlx::query("INSERT INTO error_issue_users (issue_id, user_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(issue_id)
                .bind(user)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }
        None => 0,
    };
    let (state, title, events): (String, String, i64) = sqlx::query_as(
        "UPDATE error_issues SET event_count = event_count + 1, user_count = user_count + $2, \
         first_seen = LEAST(first_seen, $3), last_seen = GREATEST(last_seen, $3), \
         level = CASE WHEN $3 >= last_seen THEN $4 ELSE level END WHERE id = $1 RETURNING state, title, event_count",
    )
    .bind(issue_id)
    .bind(i64::try_from(new_user).unwrap_or(0))
    .bind(event.ts)
    .bind(&event.level)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO error_issue_minutes (issue_id, minute, events) VALUES ($1, date_trunc('minute', $2), 1) \
         ON CONFLICT (issue_id, minute) DO UPDATE SET events = error_issue_minutes.events + 1",
    )
    .bind(issue_id)
    .bind(event.ts)
    .execute(&mut *conn)
    .await?;
    // Its hour too (UTC hours whatever the session's zone): long ranges read these.
    sqlx::query(
        "INSERT INTO error_issue_hours (issue_id, hour, events) VALUES ($1, date_trunc('hour', $2, 'UTC'), 1) \
         ON CONFLICT (issue_id, hour) DO UPDATE SET events = error_issue_hours.events + 1",
    )
    .bind(issue_id)
    .bind(event.ts)
    .execute(&mut *conn)
    .await?;
    insert_event(&mut *conn, project, issue_id, event).await?;
    let update = IssueUpdate {
        issue_id,
        service: project.service.clone(),
        title,
        new,
        events,
    };
    if matches!(state.as_str(), "resolved" | "ignored") {
        let reopening = reopen::after_event(conn, issue_id, event.release.as_deref(), Utc::now()).await?;
        return Ok((update, reopening));
    }
    Ok((update, None))
}

/// The issue `event`'s hash belongs to, created with the hash on first
/// sight; whether it was created now.
async fn issue_for(conn: &mut PgConnection, project_id: i32, event: &PreparedEvent) -> sqlx::Result<(i64, bool)> {
    // Two first events of one hash at once would otherwise make two issues.
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(project_id)
        .bind(&event.grouping.hash)
        .execute(&mut *conn)
        .await?;
    let known: Option<i64> =
        sqlx::query_scalar("SELECT issue_id FROM error_hashes WHERE project_id = $1 AND hash = $2")
            .bind(project_id)
            .bind(&event.grouping.hash)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(issue_id) = known {
        return Ok((issue_id, false));
    }
    let issue_id: i64 = sqlx::query_scalar(
        "INSERT INTO error_issues (project_id, title, culprit, level, first_seen, last_seen, first_release) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(&event.title)
    .bind(&event.culprit)
    .bind(&event.level)
    .bind(event.ts)
    .bind(&event.release)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO error_hashes (project_id, hash, issue_id, grouping_version, basis, components) \
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
    )
    .bind(project_id)
    .bind(&event.grouping.hash)
    .bind(issue_id)
    .bind(VERSION)
    .bind(event.grouping.basis.as_str())
    .bind(serde_json::json!(event.grouping.components).to_string())
    .execute(conn)
    .await?;
    Ok((issue_id, true))
}

async fn insert_event(
    conn: &mut PgConnection,
    project: &ErrorProject,
    issue_id: i64,
    event: &PreparedEvent,
) -> sqlx::Result<()> {
    let received_at: DateTime<Utc> = Utc::now();
    sqlx::query(
        "INSERT INTO error_events (ts, received_at, event_id, project_id, service, issue_id, hash, \
         environment, release, level, user_id, culprit, message, event) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)",
    )
    .bind(event.ts)
    .bind(received_at)
    .bind(&event.event_id)
    .bind(project.id)
    .bind(&project.service)
    .bind(issue_id)
    .bind(&event.grouping.hash)
    .bind(&event.environment)
    .bind(&event.release)
    .bind(&event.level)
    .bind(&event.user)
    .bind(&event.culprit)
    .bind(&event.message)
    .bind(event.event.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
