//! Changing rules, each change with its audit entry in the same
//! transaction: saving a draft (for the pages, the CLI and imports, which
//! save many rules in one transaction), enabling and disabling, restoring an
//! old version, deleting, and acknowledging a firing alert.

use serde_json::json;
use sqlx::{PgConnection, Postgres, Transaction};

use super::store;
use crate::alerts::rule::RuleDraft;
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, AuditKey, ClientInfo, NewAuditEntry, append, append_and_commit};
use crate::auth::ssr::Caller;
use crate::error::{AppError, FieldErrors};

/// The audit action of saving rule `id` from the editor (`None`: a new rule).
pub fn save_action(id: Option<i64>) -> &'static str {
    if id.is_some() {
        "alert_rule.update"
    } else {
        "alert_rule.create"
    }
}

/// Saves `draft` as rule `id` (new when `None`) and appends `action`'s audit
/// entry (before and after) in `tx`, then commits; answers the rule's id.
pub async fn save(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    actor: Actor,
    client: ClientInfo,
    id: Option<i64>,
    draft: &RuleDraft,
    action: &str,
) -> Result<i64, AppError> {
    let (rule_id, _) = save_in(&mut tx, key, actor, client, id, draft, action).await?;
    tx.commit().await.map_err(AppError::internal_in("alerts: commit"))?;
    Ok(rule_id)
}

/// [`save`] inside the caller's transaction, which commits (or rolls back)
/// the rule, its new version and its audit entry together with whatever else
/// it holds; answers `(id, version)`.
pub async fn save_in(
    conn: &mut PgConnection,
    key: &AuditKey,
    actor: Actor,
    client: ClientInfo,
    id: Option<i64>,
    draft: &RuleDraft,
    action: &str,
) -> Result<(i64, i32), AppError> {
    let before = match id {
        Some(id) => Some(rule(&mut *conn, id).await?),
        None => None,
    };
    let missing = super::channels::missing(&mut *conn, &draft.channels)
        .await
        .map_err(AppError::internal_in("alerts: channels"))?;
    if !missing.is_empty() {
        return Err(AppError::validation(
            "channels",
            format!("No notification channel named {}", missing.join(", ")),
        ));
    }
    let (rule_id, version) = store::save(&mut *conn, id, draft, actor.id)
        .await
        .map_err(|e| AppError::from_db("alerts: save", e, "A rule with this name exists already"))?
        .ok_or(AppError::NotFound)?;
    let entry = NewAuditEntry::new(actor, action, Outcome::Success, client)
        .target("alert_rule", rule_id)
        .change(
            before.map(|b| json!(b)),
            Some(json!({ "version": version, "definition": draft })),
        );
    append(&mut *conn, key, entry)
        .await
        .map_err(AppError::internal_in("alerts: audit"))?;
    Ok((rule_id, version))
}

/// Rule `id`'s definition, or `NotFound`.
async fn rule(conn: &mut PgConnection, id: i64) -> Result<RuleDraft, AppError> {
    Ok(store::get(conn, id)
        .await
        .map_err(AppError::internal_in("alerts: rule"))?
        .ok_or(AppError::NotFound)?
        .draft)
}

/// Enables or disables rule `id` (a new version); nothing is written when it
/// already is.
pub async fn set_enabled(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    id: i64,
    enabled: bool,
) -> Result<(), AppError> {
    let mut draft = rule(&mut tx, id).await?;
    if draft.enabled == enabled {
        return Ok(());
    }
    draft.enabled = enabled;
    let action = if enabled {
        "alert_rule.enable"
    } else {
        "alert_rule.disable"
    };
    let (actor, client) = (caller.actor.clone(), caller.client.clone());
    save(tx, key, actor, client, Some(id), &draft, action).await.map(drop)
}

/// Saves version `version`'s definition as rule `id`'s newest version.
pub async fn restore(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    id: i64,
    version: i32,
) -> Result<i64, AppError> {
    let old = store::versions(&mut tx, id)
        .await
        .map_err(AppError::internal_in("alerts: versions"))?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    let (actor, client) = (caller.actor.clone(), caller.client.clone());
    save(tx, key, actor, client, Some(id), &old.definition, "alert_rule.restore").await
}

/// Deletes rule `id` (its versions, state and events go with it).
pub async fn delete(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    let before = rule(&mut tx, id).await?;
    store::delete(&mut tx, id)
        .await
        .map_err(AppError::internal_in("alerts: delete"))?;
    let entry = caller
        .entry("alert_rule.delete")
        .target("alert_rule", id)
        .change(Some(json!(before)), None);
    append_and_commit(tx, key, entry, "alerts: audit").await
}

/// Marks rule `id`'s firing alert as seen by `caller` (it does not silence
/// it); `Conflict` when it is not firing.
pub async fn acknowledge(
    mut tx: Transaction<'_, Postgres>,
    key: &AuditKey,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    let acknowledged = store::acknowledge(&mut tx, id, caller.actor.id)
        .await
        .map_err(AppError::internal_in("alerts: acknowledge"))?;
    if !acknowledged {
        return Err(AppError::Conflict("Only a firing alert can be acknowledged".into()));
    }
    let entry = caller.entry("alert.acknowledge").target("alert_rule", id);
    append_and_commit(tx, key, entry, "alerts: audit").await
}

/// A refused save's messages by the editor's fields: a name taken is the
/// name field's problem.
pub fn form_errors(error: AppError) -> FieldErrors {
    match error {
        AppError::Conflict(message) => FieldErrors(vec![("name".to_string(), message)]),
        other => FieldErrors::from(other),
    }
}
