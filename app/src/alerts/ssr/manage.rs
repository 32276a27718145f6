//! Saving a rule together with its audit entry, for the pages, the CLI and
//! imports (which save many rules in one transaction).

use serde_json::json;
use sqlx::PgConnection;

use super::store;
use crate::alerts::rule::RuleDraft;
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, AuditKey, ClientInfo, NewAuditEntry, append};
use crate::error::AppError;
use crate::state::AppState;

/// Saves `draft` as rule `id` (new when `None`) and appends `action`'s audit
/// entry (before and after) in the same transaction; answers the rule's id.
pub async fn save(
    state: &AppState,
    actor: Actor,
    client: ClientInfo,
    id: Option<i64>,
    draft: &RuleDraft,
    action: &str,
) -> Result<i64, AppError> {
    let mut tx = state.begin("alerts: begin").await?;
    let (rule_id, _) = save_in(&mut tx, &state.audit_key, actor, client, id, draft, action).await?;
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
        Some(id) => Some(
            store::get(&mut *conn, id)
                .await
                .map_err(AppError::internal_in("alerts: rule"))?
                .ok_or(AppError::NotFound)?
                .draft,
        ),
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
