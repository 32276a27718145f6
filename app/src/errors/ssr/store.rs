//! Storing prepared events: for each, in one transaction with the others
//! of its envelope, the event id claimed (a retried envelope stores
//! nothing twice), the hash's issue found — or the issue and its hash
//! created —, the counts, its users and its per-minute and
//! per-hour counts updated, and the event row written; a resolved or ignored issue the
//! event reopens changes state (`reopen`), audited. `write` has the
//! statements (a few per transaction, not per event). The caller answers
//! only after the commit.
//!
//! [`store_group`] stores several envelopes in one transaction (group
//! commit, `server::http::errors::group`): one commit for all, each still
//! all or nothing — a failure fails the group, and the caller then stores
//! each alone, so one bad envelope does not take the others down.
//!
//! A batch from Opsdeck's own JSON door may also carry an
//! `Idempotency-Key`, claimed like the other doors' (`ingest_batches`);
//! Opsdeck's own failures claim nothing (their ids are fresh).

use sqlx::{PgConnection, PgPool};

use super::event::PreparedEvent;
use super::write::{Batch, Written, write};
pub use super::write::{Sender, Stored};
use crate::api_keys::ErrorProject;
use crate::audit::ssr::AuditKey;
use crate::ingest_batches::{Batches, Claim};

/// The project a DSN names, if it exists.
pub async fn project(conn: &mut PgConnection, id: i32) -> sqlx::Result<Option<ErrorProject>> {
    let service: Option<String> = sqlx::query_scalar("SELECT service FROM error_projects WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(service.map(|service| ErrorProject { id, service }))
}

/// The sender's key was revoked or expired since the door checked it
/// (the door caches its look-ups for a few seconds): nothing was stored.
#[derive(Debug)]
pub enum StoreError {
    KeyRefused,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        StoreError::Database(error)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::KeyRefused => f.write_str("the key was revoked or expired"),
            StoreError::Database(error) => error.fmt(f),
        }
    }
}

/// Stores `events` sent with `api_key_id` for `project`, all or nothing,
/// with the audit entries of the issues they reopened (`reopen`).
pub async fn store(
    pool: &PgPool,
    audit: &AuditKey,
    api_key_id: i64,
    project: &ErrorProject,
    events: Vec<PreparedEvent>,
) -> Result<Stored, StoreError> {
    let sender = Sender::Key {
        id: api_key_id,
        batch: None,
    };
    store_from(pool, audit, sender, project, &events).await
}

/// [`store`] for any [`Sender`].
pub async fn store_from(
    pool: &PgPool,
    audit: &AuditKey,
    sender: Sender<'_>,
    project: &ErrorProject,
    events: &[PreparedEvent],
) -> Result<Stored, StoreError> {
    let mut tx = pool.begin().await?;
    if let Some(repeated) = claim_batch(&mut tx, sender, events.len()).await? {
        return Ok(repeated);
    }
    let batch = Batch {
        sender,
        project,
        events,
    };
    match write(&mut tx, audit, &[batch]).await?.pop() {
        Some(Written::Stored(stored)) => {
            tx.commit().await?;
            Ok(stored)
        }
        // Rolled back: a batch's `Idempotency-Key` claimed above is not kept either.
        _ => Err(StoreError::KeyRefused),
    }
}

/// Stores every envelope of `group` (sent with keys, without an
/// `Idempotency-Key`) in one transaction; one result per envelope, in
/// order, each an envelope stored wholly or (its key refused) not at all.
/// `Err`: nothing of the group was stored (the caller stores each alone).
pub async fn store_group(pool: &PgPool, audit: &AuditKey, group: &[Batch<'_>]) -> sqlx::Result<Vec<Written>> {
    let mut tx = pool.begin().await?;
    let written = write(&mut tx, audit, group).await?;
    tx.commit().await?;
    Ok(written)
}

/// Claims the batch's `Idempotency-Key`, when it has one; the answer to
/// give when that batch was committed before.
async fn claim_batch(conn: &mut PgConnection, sender: Sender<'_>, events: usize) -> sqlx::Result<Option<Stored>> {
    let Sender::Key {
        id,
        batch: Some(idempotency_key),
    } = sender
    else {
        return Ok(None);
    };
    let batch = Claim {
        batches: Batches::Errors,
        api_key_id: id,
        idempotency_key,
    };
    Ok(crate::ingest_batches::claim(conn, batch, events)
        .await?
        .map(|records| Stored {
            duplicates: records,
            repeated_batch: true,
            ..Stored::default()
        }))
}
