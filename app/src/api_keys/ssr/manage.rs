//! What the API keys page's server functions (and `opsdeck api-key create`)
//! do: each change locks the key's row, applies the change and appends its
//! one audit entry in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::secret::generate;
use super::{NewApiKey, audit_snapshot, insert, lock, set_expires_at, set_revoked};
use crate::api_keys::{ApiKeySummary, CreatedApiKey, dsn};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append_and_commit};
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(state: &AppState) -> Result<Vec<ApiKeySummary>, AppError> {
    let mut conn = state.connection("db acquire").await?;
    super::list(&mut conn)
        .await
        .map_err(|e| AppError::internal("list api keys", e))
}

fn entry(
    actor: Actor,
    client: ClientInfo,
    action: &str,
    key_id: i64,
    before: Option<Value>,
    after: Option<Value>,
) -> NewAuditEntry {
    NewAuditEntry::new(actor, action, Outcome::Success, client)
        .target("api_key", key_id)
        .change(before, after)
}

/// Creates a key and its audit entry in one transaction; the returned secret
/// exists nowhere else.
pub async fn create(
    state: &AppState,
    actor: Actor,
    client: ClientInfo,
    new: NewApiKey,
) -> Result<CreatedApiKey, AppError> {
    let generated = generate();
    let mut tx = state.begin("begin").await?;
    let key = insert(&mut tx, &new, &generated.prefix, &generated.hash, actor.id)
        .await
        .map_err(|e| AppError::internal("insert api key", e))?;
    let entry = entry(
        actor,
        client,
        "api_key.create",
        key.id,
        None,
        Some(audit_snapshot(&key)),
    );
    append_and_commit(tx, &state.audit_key, entry, "audit api_key.create").await?;
    let dsn = key
        .error_project
        .as_ref()
        .map(|project| dsn(&state.notify.public_url, &generated.full, project));
    Ok(CreatedApiKey {
        key,
        secret: generated.full,
        dsn,
    })
}

/// The key, its row locked until the transaction ends, or `NotFound`.
async fn lock_existing(conn: &mut sqlx::PgConnection, key_id: i64) -> Result<ApiKeySummary, AppError> {
    lock(conn, key_id)
        .await
        .map_err(|e| AppError::internal("lock api key", e))?
        .ok_or(AppError::NotFound)
}

pub async fn revoke(state: &AppState, admin: &Caller, key_id: i64) -> Result<ApiKeySummary, AppError> {
    let mut tx = state.begin("begin").await?;
    let before = lock_existing(&mut tx, key_id).await?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let after = set_revoked(&mut tx, key_id)
        .await
        .map_err(|e| AppError::internal("revoke api key", e))?;
    let entry = entry(
        admin.actor.clone(),
        admin.client.clone(),
        "api_key.revoke",
        key_id,
        Some(audit_snapshot(&before)),
        Some(audit_snapshot(&after)),
    );
    append_and_commit(tx, &state.audit_key, entry, "audit api_key.revoke").await?;
    Ok(after)
}

pub async fn set_expiry(
    state: &AppState,
    admin: &Caller,
    key_id: i64,
    expires_at: Option<DateTime<Utc>>,
) -> Result<ApiKeySummary, AppError> {
    let mut tx = state.begin("begin").await?;
    let before = lock_existing(&mut tx, key_id).await?;
    if before.revoked_at.is_some() {
        return Err(AppError::Conflict(
            "This key is revoked; create a new one instead.".into(),
        ));
    }
    if before.expires_at == expires_at {
        return Ok(before);
    }
    let after = set_expires_at(&mut tx, key_id, expires_at)
        .await
        .map_err(|e| AppError::internal("set api key expiry", e))?;
    let entry = entry(
        admin.actor.clone(),
        admin.client.clone(),
        "api_key.set_expiry",
        key_id,
        Some(audit_snapshot(&before)),
        Some(audit_snapshot(&after)),
    );
    append_and_commit(tx, &state.audit_key, entry, "audit api_key.set_expiry").await?;
    Ok(after)
}
