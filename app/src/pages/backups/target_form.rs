//! Adding or editing a target. The connection URL is write-only: never
//! filled in, a blank one keeps what is stored.

use leptos::prelude::*;

use super::use_actions;
use crate::backups::BackupTarget;
use crate::backups::SaveBackupTarget;
use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FormError, Typed};
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
    let url_hint = match &target {
        None => "postgres://user:password@host:5432/database — stored, never shown again.".to_string(),
        Some(target) if target.is_self => "Opsdeck's own database is DATABASE_URL.".to_string(),
        Some(target) => format!("Now {}. Leave empty to keep the stored URL.", target.location),
    };
    view! {
        <ActionForm action attr:class="target-form">
            {editing.map(|target_id| view! { <input type="hidden" name="target_id" value=target_id /> })}
            <Field id=id("name") name="name" label="Name" error control=move |m: FieldMarks| view! {
                <input id=m.id name=m.name type="text" required maxlength="63" value=name readonly=is_self
                    aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
            } />
            {(!is_self).then(|| view! {
                <Field id=id("url") name="connection_url" label="Connection URL" error kind="password" autocomplete="off"
                    required=editing.is_none() hint=url_hint.clone() />
            })}
            <Field id=id("schedule") name="schedule" label="Backup schedule (cron, UTC)" error value=schedule
                placeholder="0 3 * * *" hint="Empty: by hand only." />
            <Field id=id("restore") name="restore_schedule" label="Restore test schedule (cron, UTC)" error
                value=restore_schedule placeholder="0 4 * * 0" />
            <Field id=id("keep-last") name="keep_last" label="Keep the last N backups" error kind="number" min="1"
                value=keep_last />
            <Field id=id("keep-days") name="keep_days" label="Keep backups younger than D days" error kind="number" min="1"
                value=keep_days hint="Either rule keeps a backup; both empty keep all. The newest restore-tested backup is always kept." />
            <FormError error />
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                {if editing.is_some() { "Save target" } else { "Add target" }}
            </button>
        </ActionForm>
    }
    .into_any()
}
