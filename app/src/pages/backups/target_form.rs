//! Adding or editing a target. The connection URL is write-only: never
//! filled in, a blank one keeps what is stored.

use leptos::prelude::*;

use super::use_actions;
use crate::backups::BackupTarget;
use crate::backups::SaveBackupTarget;
use crate::components::form::{FieldError, FormError, Typed, field_marks};
use leptos::server_fn::ServerFn;

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
        let value = action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.conflict_on("name"));
        match mine {
            Some(false) => None,
            _ => value,
        }
    });
    let prefix = editing.map_or_else(|| "new-target".to_string(), |id| format!("target-{id}"));
    let id = move |field: &str| format!("{prefix}-{field}");
    let is_self = target.as_ref().is_some_and(|target| target.is_self);
    // Without JavaScript, a refused save comes back with what was typed
    // into this form (the connection URL, a secret, is never sent back).
    let typed = Typed::for_action(SaveBackupTarget::PATH);
    let typed = (typed.get("target_id") == editing.map(|id| id.to_string())).then_some(typed);
    let value = |field: &str, pick: fn(&BackupTarget) -> Option<String>| match &typed {
        Some(typed) => typed.value(field),
        None => target.as_ref().and_then(pick).unwrap_or_default(),
    };
    let name = value("name", |t| Some(t.name.clone()));
    let schedule = value("schedule", |t| t.schedule.clone());
    let restore_schedule = value("restore_schedule", |t| t.restore_schedule.clone());
    let keep_last = value("keep_last", |t| t.keep_last.map(|n| n.to_string()));
    let keep_days = value("keep_days", |t| t.keep_days.map(|n| n.to_string()));
    let (name_describe, name_invalid, name_focus) = field_marks(error, "name", None);
    let (schedule_describe, schedule_invalid, schedule_focus) = field_marks(error, "schedule", None);
    let (restore_describe, restore_invalid, restore_focus) = field_marks(error, "restore_schedule", None);
    let (last_describe, last_invalid, last_focus) = field_marks(error, "keep_last", None);
    let (days_describe, days_invalid, days_focus) = field_marks(error, "keep_days", None);
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
                <input id=id("name") name="name" type="text" required maxlength="63" value=name readonly=is_self
                    aria-describedby=name_describe aria-invalid=name_invalid autofocus=name_focus />
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
                <input id=id("schedule") name="schedule" type="text" value=schedule placeholder="0 3 * * *"
                    aria-describedby=schedule_describe aria-invalid=schedule_invalid autofocus=schedule_focus />
                <p class="hint">"Empty: by hand only."</p>
                <FieldError error field="schedule" />
            </div>
            <div class="field">
                <label for=id("restore")>"Restore test schedule (cron, UTC)"</label>
                <input id=id("restore") name="restore_schedule" type="text" value=restore_schedule placeholder="0 4 * * 0"
                    aria-describedby=restore_describe aria-invalid=restore_invalid autofocus=restore_focus />
                <FieldError error field="restore_schedule" />
            </div>
            <div class="field">
                <label for=id("keep-last")>"Keep the last N backups"</label>
                <input id=id("keep-last") name="keep_last" type="number" min="1" value=keep_last
                    aria-describedby=last_describe aria-invalid=last_invalid autofocus=last_focus />
                <FieldError error field="keep_last" />
            </div>
            <div class="field">
                <label for=id("keep-days")>"Keep backups younger than D days"</label>
                <input id=id("keep-days") name="keep_days" type="number" min="1" value=keep_days
                    aria-describedby=days_describe aria-invalid=days_invalid autofocus=days_focus />
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
