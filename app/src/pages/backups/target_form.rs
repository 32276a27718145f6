//! Adding or editing a target. The connection URL is write-only: never
//! filled in, a blank one keeps what is stored.

use leptos::prelude::*;

use super::use_actions;
use crate::backups::BackupTarget;
use crate::components::form::{FieldError, FormError};

#[component]
pub fn TargetForm(target: Option<BackupTarget>) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.save_target;
    let editing = target.as_ref().map(|target| target.id);
    // Only the form that was submitted shows its errors.
    let error = Signal::derive(move || {
        let mine = action
            .input()
            .with(|input| input.as_ref().map(|input| input.target_id == editing));
        let value = action.value().get().and_then(Result::err);
        match mine {
            Some(false) => None,
            _ => value,
        }
    });
    let prefix = editing.map_or_else(|| "new-target".to_string(), |id| format!("target-{id}"));
    let id = move |field: &str| format!("{prefix}-{field}");
    let is_self = target.as_ref().is_some_and(|target| target.is_self);
    let value = |pick: fn(&BackupTarget) -> Option<String>| target.as_ref().and_then(pick).unwrap_or_default();
    let name = value(|t| Some(t.name.clone()));
    let schedule = value(|t| t.schedule.clone());
    let restore_schedule = value(|t| t.restore_schedule.clone());
    let keep_last = value(|t| t.keep_last.map(|n| n.to_string()));
    let keep_days = value(|t| t.keep_days.map(|n| n.to_string()));
    let url_hint = match &target {
        None => "postgres://user:password@host:5432/database — stored, never shown again.".to_string(),
        Some(target) if target.is_self => "Opsdeck's own database is DATABASE_URL.".to_string(),
        Some(target) => format!("Now {}. Leave empty to keep the stored URL.", target.location),
    };
    view! {
        <ActionForm action attr:class="target-form">
            {editing.map(|target_id| view! { <input type="hidden" name="target_id" value=target_id /> })}
            <div class="field">
                <label for=id("name")>"Name"</label>
                <input id=id("name") name="name" type="text" required maxlength="63" value=name readonly=is_self />
                <FieldError error field="name" />
            </div>
            {(!is_self).then(|| view! {
                <div class="field">
                    <label for=id("url")>"Connection URL"</label>
                    <input id=id("url") name="connection_url" type="password" autocomplete="off" required=editing.is_none() />
                    <p class="hint">{url_hint.clone()}</p>
                    <FieldError error field="connection_url" />
                </div>
            })}
            <div class="field">
                <label for=id("schedule")>"Backup schedule (cron, UTC)"</label>
                <input id=id("schedule") name="schedule" type="text" value=schedule placeholder="0 3 * * *" />
                <p class="hint">"Empty: by hand only."</p>
                <FieldError error field="schedule" />
            </div>
            <div class="field">
                <label for=id("restore")>"Restore test schedule (cron, UTC)"</label>
                <input id=id("restore") name="restore_schedule" type="text" value=restore_schedule placeholder="0 4 * * 0" />
                <FieldError error field="restore_schedule" />
            </div>
            <div class="field">
                <label for=id("keep-last")>"Keep the last N backups"</label>
                <input id=id("keep-last") name="keep_last" type="number" min="1" value=keep_last />
                <FieldError error field="keep_last" />
            </div>
            <div class="field">
                <label for=id("keep-days")>"Keep backups younger than D days"</label>
                <input id=id("keep-days") name="keep_days" type="number" min="1" value=keep_days />
                <p class="hint">"Either rule keeps a backup; both empty keep all. The newest restore-tested backup is always kept."</p>
                <FieldError error field="keep_days" />
            </div>
            <FormError error />
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                {if editing.is_some() { "Save target" } else { "Add target" }}
            </button>
        </ActionForm>
    }
    .into_any()
}
