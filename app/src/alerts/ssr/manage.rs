//! Saving a rule together with its audit entry, for the pages and the CLI.

use serde_json::json;

use super::store;
use crate::alerts::rule::RuleDraft;
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append};
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
    let fail = |context: &'static str| move |e: sqlx::Error| AppError::internal(context, e);
    let mut tx = state.db.begin().await.map_err(fail("alerts: begin"))?;
    let before = match id {
        Some(id) => Some(
            store::get(&mut tx, id)
                .await
                .map_err(fail("alerts: rule"))?
                .ok_or(AppError::NotFound)?
                .draft,
        ),
        None => None,
    };
    let missing = super::channels::missing(&mut tx, &draft.channels)
        .await
        .map_err(fail("alerts: channels"))?;
    if !missing.is_empty() {
        return Err(AppError::validation(
            "channels",
            format!("No notification channel named {}", missing.join(", ")),
        ));
    }
    let (rule_id, version) = store::save(&mut tx, id, draft, actor.id)
        .await
        .map_err(|e| AppError::from_db("alerts: save", e, "A rule with this name exists already"))?
        .ok_or(AppError::NotFound)?;
    let entry = NewAuditEntry::new(actor, action, Outcome::Success, client)
        .target("alert_rule", rule_id)
        .change(
            before.map(|b| json!(b)),
            Some(json!({ "version": version, "definition": draft })),
        );
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(fail("alerts: audit"))?;
    tx.commit().await.map_err(fail("alerts: commit"))?;
    Ok(rule_id)
}
