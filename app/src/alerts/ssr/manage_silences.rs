//! The Silences page's services: what it lists, and creating and ending a
//! silence, each with its audit entry in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, Postgres, Transaction};

use super::{silences, store};
use crate::alerts::silence::{RECENTLY_ENDED, SilenceDraft, SilencesPage};
use crate::audit::ssr::{AuditKey, append_and_commit};
use crate::auth::permissions::{Permission, Role, allows};
use crate::auth::ssr::Caller;
use crate::error::AppError;

/// The Silences page at `now` as `role` sees it.
pub async fn page(conn: &mut PgConnection, now: DateTime<Utc>, role: Role) -> Result<SilencesPage, AppError> {
    let (active, ended) = silences::list(&mut *conn, now, RECENTLY_ENDED)
        .await
        .map_err(AppError::internal_in("silences: list"))?
        .into_iter()
        .partition(|s| s.ended_at.is_none() && s.draft.ends_at > now);
    let rules = store::list(conn)
        .await
        .map_err(AppError::internal_in("silences: rules"))?
        .into_iter()
        .map(|r| r.draft.name)
        .collect();
    Ok(SilencesPage {
        active,
        ended,
        rules,
        can_edit: allows(role, Permission::EditAlertRules),
    })
}

/// Stores `draft` as a new silence by `caller`; answers its id.
pub async fn create(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    draft: &SilenceDraft,
) -> Result<i64, AppError> {
    let id = silences::create(&mut tx, draft, caller.actor.id)
        .await
        .map_err(AppError::internal_in("silences: create"))?;
    let entry = caller
        .entry("alert_silence.create")
        .target("alert_silence", id)
        .change(None, Some(json!(draft)));
    append_and_commit(tx, key, entry, "silences: audit").await?;
    Ok(id)
}

/// Ends silence `id` at `now` (matching alerts send again); `Conflict` when
/// it is already over.
pub async fn end(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let before = silences::get(&mut tx, id)
        .await
        .map_err(AppError::internal_in("silences: get"))?
        .ok_or(AppError::NotFound)?;
    if !silences::end(&mut tx, id, caller.actor.id, now)
        .await
        .map_err(AppError::internal_in("silences: end"))?
    {
        return Err(AppError::Conflict("This silence is already over".into()));
    }
    let entry = caller.entry("alert_silence.end").target("alert_silence", id).change(
        Some(json!(before.draft)),
        Some(json!({ "ended_at": now, "end_reason": "ended" })),
    );
    append_and_commit(tx, key, entry, "silences: audit").await
}
