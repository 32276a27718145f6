//! Changing SLOs, each change with its audit entry (before and after) in
//! the same transaction: saving a draft (the editor, restores, imports;
//! a new SLO's burn-rate rules are generated with it), and deleting (its
//! rules go with it, each audited).

use serde_json::json;

use super::{burn_rules, store};
use crate::alerts::ssr::form_post;
use crate::audit::ssr::Audited;
use crate::auth::ssr::Caller;
use crate::error::{AppError, FieldErrors, respond};
use crate::slo::form::SloForm;
use crate::slo::{Retention, SloDraft};
use crate::state::AppState;

/// How long the history an SLO reads is kept now (Settings › Monitoring).
pub fn retention(state: &AppState) -> Retention {
    let current = state.monitoring.current();
    Retention {
        raw_days: current.settings.raw_days,
        rollup_days: current.settings.rollup_days,
    }
}

/// Saves `draft` as SLO `id` (new when `None`) with `action`'s audit
/// entry, without committing: `(id, version)`.
pub async fn save_in(
    change: &mut Audited,
    id: Option<i64>,
    draft: &SloDraft,
    kept: Retention,
    action: &str,
) -> Result<(i64, i32), AppError> {
    draft.validate()?;
    draft.check_retention(kept)?;
    let before = match id {
        Some(id) => Some(
            store::get(&mut change.tx, id)
                .await
                .map_err(AppError::internal_in("slos: get"))?
                .ok_or(AppError::NotFound)?
                .draft,
        ),
        None => None,
    };
    let (slo_id, version) = store::save(&mut change.tx, id, draft, change.actor.id)
        .await
        .map_err(|e| AppError::from_db("slos: save", e, "An SLO with this name exists already"))?
        .ok_or(AppError::NotFound)?;
    let entry = change.entry(action).target("slo", slo_id).change(
        before.as_ref().map(|b| json!(b)),
        Some(json!({ "version": version, "definition": draft })),
    );
    change.append(entry, "slos: audit").await?;
    match &before {
        None => burn_rules::generate(change, slo_id, draft).await?,
        Some(before) => burn_rules::follow(change, slo_id, before, draft).await?,
    }
    Ok((slo_id, version))
}

/// [`save_in`], then commit; answers the SLO's id.
pub async fn save(
    mut change: Audited,
    id: Option<i64>,
    draft: &SloDraft,
    kept: Retention,
    action: &str,
) -> Result<i64, AppError> {
    let (slo_id, _) = save_in(&mut change, id, draft, kept, action).await?;
    change
        .tx
        .commit()
        .await
        .map_err(AppError::internal_in("slos: commit"))?;
    Ok(slo_id)
}

/// Saves version `version`'s definition as SLO `id`'s newest version.
pub async fn restore(mut change: Audited, id: i64, version: i32, kept: Retention) -> Result<i64, AppError> {
    let old = store::versions(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("slos: versions"))?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    save(change, Some(id), &old.definition, kept, "slo.restore").await
}

/// Deletes SLO `id` with its versions.
pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let before = store::get(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("slos: get"))?
        .ok_or(AppError::NotFound)?;
    burn_rules::delete_for(&mut change, id).await?;
    store::delete(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("slos: delete"))?;
    let entry = change
        .entry("slo.delete")
        .target("slo", id)
        .change(Some(json!(before.draft)), None);
    change.commit(entry, "slos: audit").await
}

/// Saves the editor's `form` as SLO `id` (new when `None`); answers the
/// id. A plain form post goes to the SLO's page, or when refused back to
/// the editor with every field as typed and each message beside its field.
pub async fn save_from_editor(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    form: &SloForm,
) -> Result<i64, AppError> {
    let action = if id.is_some() { "slo.update" } else { "slo.create" };
    let saved = match (form.parse(), caller.audited(state, "slos: begin").await) {
        (Ok(draft), Ok(change)) => save(change, id, &draft, retention(state), action).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    let page = id.map_or_else(|| "/slos/new".to_string(), |id| format!("/slos/{id}"));
    match saved {
        Ok(slo_id) => Ok(form_post::redirect_on_success(&format!("/slos/{slo_id}"), slo_id)),
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
