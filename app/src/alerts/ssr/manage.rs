//! Changing rules, each change with its audit entry in the same
//! transaction: saving a draft (for the pages, the CLI and imports, which
//! save many rules in one transaction), enabling and disabling, restoring an
//! old version, deleting, and acknowledging a firing alert.

use serde_json::json;
use sqlx::PgConnection;

use super::{form_post, store};
use crate::alerts::form::RuleForm;
use crate::alerts::rule::RuleDraft;
use crate::audit::ssr::Audited;
use crate::auth::ssr::Caller;
use crate::error::{AppError, FieldErrors, respond};
use crate::state::AppState;

/// The audit action of saving rule `id` from the editor (`None`: a new rule).
pub fn save_action(id: Option<i64>) -> &'static str {
    if id.is_some() {
        "alert_rule.update"
    } else {
        "alert_rule.create"
    }
}

/// Saves `draft` as rule `id` (new when `None`) with `action`'s audit entry
/// (before and after), then commits; answers the rule's id.
pub async fn save(mut change: Audited, id: Option<i64>, draft: &RuleDraft, action: &str) -> Result<i64, AppError> {
    let (rule_id, _) = save_in(&mut change, id, draft, action).await?;
    change
        .tx
        .commit()
        .await
        .map_err(AppError::internal_in("alerts: commit"))?;
    Ok(rule_id)
}

/// [`save`] without the commit: the rule, its new version and its audit
/// entry commit (or roll back) with whatever else `change` holds; answers
/// `(id, version)`.
pub async fn save_in(
    change: &mut Audited,
    id: Option<i64>,
    draft: &RuleDraft,
    action: &str,
) -> Result<(i64, i32), AppError> {
    let conn = &mut *change.tx;
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
    let (rule_id, version) = store::save(&mut *conn, id, draft, change.actor.id)
        .await
        .map_err(|e| AppError::from_db("alerts: save", e, "A rule with this name exists already"))?
        .ok_or(AppError::NotFound)?;
    let entry = change.entry(action).target("alert_rule", rule_id).change(
        before.map(|b| json!(b)),
        Some(json!({ "version": version, "definition": draft })),
    );
    change.append(entry, "alerts: audit").await?;
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
pub async fn set_enabled(mut change: Audited, id: i64, enabled: bool) -> Result<(), AppError> {
    let mut draft = rule(&mut change.tx, id).await?;
    if draft.enabled == enabled {
        return Ok(());
    }
    draft.enabled = enabled;
    let action = if enabled {
        "alert_rule.enable"
    } else {
        "alert_rule.disable"
    };
    save(change, Some(id), &draft, action).await.map(drop)
}

/// Saves version `version`'s definition as rule `id`'s newest version.
pub async fn restore(mut change: Audited, id: i64, version: i32) -> Result<i64, AppError> {
    let old = store::versions(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("alerts: versions"))?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    save(change, Some(id), &old.definition, "alert_rule.restore").await
}

/// Deletes rule `id` (its versions, state and events go with it).
pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let before = rule(&mut change.tx, id).await?;
    store::delete(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("alerts: delete"))?;
    let entry = change
        .entry("alert_rule.delete")
        .target("alert_rule", id)
        .change(Some(json!(before)), None);
    change.commit(entry, "alerts: audit").await
}

/// Marks rule `id`'s firing alert as seen by `caller` (it does not silence
/// it); `Conflict` when it is not firing.
pub async fn acknowledge(mut change: Audited, id: i64) -> Result<(), AppError> {
    let acknowledged = store::acknowledge(&mut change.tx, id, change.actor.id)
        .await
        .map_err(AppError::internal_in("alerts: acknowledge"))?;
    if !acknowledged {
        return Err(AppError::Conflict("Only a firing alert can be acknowledged".into()));
    }
    let entry = change.entry("alert.acknowledge").target("alert_rule", id);
    change.commit(entry, "alerts: audit").await
}

/// Saves the editor's `form` as rule `id` (new when `None`) for `caller`;
/// answers the rule's id. A plain form post is redirected to the rule's
/// page, or when refused back to the editor with every field as typed and
/// each message beside its field (answered `0`: nothing saved).
pub async fn save_from_editor(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    form: &RuleForm,
) -> Result<i64, AppError> {
    let saved = match (form.parse(), caller.audited(state, "alerts: begin").await) {
        (Ok(draft), Ok(change)) => save(change, id, &draft, save_action(id)).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    let page = id.map_or_else(|| "/alerts/rules/new".to_string(), |id| format!("/alerts/rules/{id}"));
    match saved {
        Ok(rule_id) => Ok(form_post::redirect_on_success(
            &format!("/alerts/rules/{rule_id}"),
            rule_id,
        )),
        Err(error) => respond(form_post::back_to_form(error, &page, &form.query(), "", form_errors)),
    }
}

/// A refused save's messages by the editor's fields: a name taken is the
/// name field's problem.
pub fn form_errors(error: AppError) -> FieldErrors {
    match error {
        AppError::Conflict(message) => FieldErrors(vec![("name".to_string(), message)]),
        other => FieldErrors::from(other),
    }
}
