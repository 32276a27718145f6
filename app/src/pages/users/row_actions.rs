//! The per-user actions of a row: change role, disable/enable (confirmed),
//! reset password. Each is a small `ActionForm` posting the user's id.
//!
//! A refusal (the last enabled admin, a password that is too short or too
//! common) shows in the row it came from, beside the control it concerns,
//! tied to it by `aria-describedby` and focused; the role chosen stays
//! chosen and a confirmation stays open. Without JavaScript the row is
//! refilled from the URL the refused post came back to (never the password).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::notices::row_text;
use super::use_actions;
use crate::auth::permissions::Role;
use crate::components::field::Field;
use crate::components::form::FieldError;
use crate::components::row_form::{focus_on_error, pending_for, refusal_of, row_error_id, typed_in_row};
use crate::error::AppError;
use crate::users::{SetUserRole, UserSummary};

/// `refused`, as a message about `field` of the row.
fn about(refused: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<AppError>> {
    Signal::derive(move || refused.get().map(|error| AppError::validation(field, row_text(error))))
}

/// `aria-describedby` (`hint` first) and `aria-invalid` of a row's control.
fn marks(
    error: Signal<Option<AppError>>,
    error_id: String,
    hint: Option<String>,
) -> (
    impl Fn() -> Option<String> + Send + Sync + 'static,
    impl Fn() -> Option<&'static str> + Send + Sync + 'static,
) {
    let describe = move || {
        let ids: Vec<String> = hint
            .clone()
            .into_iter()
            .chain(error.with(Option::is_some).then(|| error_id.clone()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    (describe, move || error.with(Option::is_some).then_some("true"))
}

/// A role select and Save.
#[component]
pub fn RoleForm(user: UserSummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.set_role;
    let id = user.id;
    let pending = pending_for(action, move |input| input.user_id == id);
    let select_id = format!("role-{id}");
    let error = about(refusal_of(action, actions.role_row, id), "role");
    focus_on_error(error, move |_| format!("role-{id}"));
    let chosen = typed_in_row(SetUserRole::PATH, "user_id", id)
        .get("role")
        .unwrap_or_else(|| user.role.as_str().to_string());
    let (describe, invalid) = marks(error, row_error_id("role", id), None);
    view! {
        <ActionForm action attr:class="inline-form row-form">
            <input type="hidden" name="user_id" value=id />
            <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", user.email)}</label>
            <select id=select_id name="role" aria-describedby=describe aria-invalid=invalid
                autofocus=error.with_untracked(Option::is_some)>
                {Role::ALL.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=role.as_str() == chosen>{role.as_str()}</option>
                }).collect_view()}
            </select>
            <button type="submit" disabled=pending>{move || if pending.get() { "Saving…" } else { "Save" }}</button>
            <FieldError error field="role" id=row_error_id("role", id) />
        </ActionForm>
    }
    .into_any()
}

/// Enable at once; disable only after "Yes, disable" (a `<details>` works without JavaScript).
#[component]
pub fn DisableToggle(user: UserSummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.set_disabled;
    let id = user.id;
    let pending = pending_for(action, move |input| input.user_id == id);
    let error = about(refusal_of(action, actions.disabled_row, id), "disabled");
    let button_id = format!("disable-{id}");
    focus_on_error(error, move |_| format!("disable-{id}"));
    let (describe, invalid) = marks(error, row_error_id("disabled", id), None);
    let refused_at_load = error.with_untracked(Option::is_some);
    if user.disabled {
        return view! {
            <ActionForm action attr:class="inline-form row-form">
                <input type="hidden" name="user_id" value=id />
                <input type="hidden" name="disabled" value="false" />
                <button type="submit" id=button_id disabled=pending aria-describedby=describe
                    aria-invalid=invalid autofocus=refused_at_load>"Enable"</button>
                <FieldError error field="disabled" id=row_error_id("disabled", id) />
            </ActionForm>
        }
        .into_any();
    }
    view! {
        <details class="confirm" open=refused_at_load>
            <summary>"Disable"</summary>
            <div class="confirm-body">
                <p>{format!("Disable {}? They are signed out at once and cannot sign in.", user.email)}</p>
                <ActionForm action>
                    <input type="hidden" name="user_id" value=id />
                    <input type="hidden" name="disabled" value="true" />
                    <button type="submit" id=button_id class="danger" disabled=pending aria-describedby=describe
                        aria-invalid=invalid autofocus=refused_at_load>"Yes, disable"</button>
                    <FieldError error field="disabled" id=row_error_id("disabled", id) />
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}

/// A new password, or an empty field for a generated one (shown once).
#[component]
pub fn ResetPassword(user: UserSummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.reset_password;
    let id = user.id;
    let pending = pending_for(action, move |input| input.user_id == id);
    let field_id = format!("reset-password-{id}");
    let error = about(refusal_of(action, actions.reset_row, id), "password");
    focus_on_error(error, move |_| format!("reset-password-{id}"));
    let refused_at_load = error.with_untracked(Option::is_some);
    view! {
        <details class="confirm" open=refused_at_load>
            <summary>"Reset password"</summary>
            <div class="confirm-body">
                <ActionForm action>
                    <input type="hidden" name="user_id" value=id />
                    <Field id=field_id name="password" label=format!("New password for {}", user.email) error
                        error_id=row_error_id("password", id) kind="password" autocomplete="new-password" minlength=12
                        maxlength=128 hint="Leave empty to generate one. Their sessions will be signed out." />
                    <button type="submit" disabled=pending>{move || if pending.get() { "Resetting…" } else { "Reset password" }}</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}
