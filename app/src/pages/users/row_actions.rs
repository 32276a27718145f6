//! The per-user actions of a row: change role, disable/enable (confirmed),
//! reset password. Each is a small `ActionForm` posting the user's id.

use leptos::prelude::*;

use super::use_actions;
use crate::auth::permissions::Role;
use crate::users::UserSummary;

/// A role select and Save.
#[component]
pub fn RoleForm(user: UserSummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.set_role;
    let id = user.id;
    let pending = move || {
        action
            .input()
            .with(|input| input.as_ref().is_some_and(|input| input.user_id == id))
    };
    let select_id = format!("role-{id}");
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="user_id" value=id />
            <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", user.email)}</label>
            <select id=select_id name="role">
                {Role::ALL.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=role == user.role>{role.as_str()}</option>
                }).collect_view()}
            </select>
            <button type="submit" disabled=pending>{move || if pending() { "Saving…" } else { "Save" }}</button>
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
    let pending = move || {
        action
            .input()
            .with(|input| input.as_ref().is_some_and(|input| input.user_id == id))
    };
    if user.disabled {
        return view! {
            <ActionForm action attr:class="inline-form">
                <input type="hidden" name="user_id" value=id />
                <input type="hidden" name="disabled" value="false" />
                <button type="submit" disabled=pending>"Enable"</button>
            </ActionForm>
        }
        .into_any();
    }
    view! {
        <details class="confirm">
            <summary>"Disable"</summary>
            <div class="confirm-body">
                <p>{format!("Disable {}? They are signed out at once and cannot sign in.", user.email)}</p>
                <ActionForm action>
                    <input type="hidden" name="user_id" value=id />
                    <input type="hidden" name="disabled" value="true" />
                    <button type="submit" class="danger" disabled=pending>"Yes, disable"</button>
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
    let pending = move || {
        action
            .input()
            .with(|input| input.as_ref().is_some_and(|input| input.user_id == id))
    };
    let field_id = format!("reset-password-{id}");
    view! {
        <details class="confirm">
            <summary>"Reset password"</summary>
            <div class="confirm-body">
                <ActionForm action>
                    <input type="hidden" name="user_id" value=id />
                    <div class="field">
                        <label for=field_id.clone()>{format!("New password for {}", user.email)}</label>
                        <input id=field_id type="password" name="password" autocomplete="new-password" minlength="12" maxlength="128" />
                        <p class="hint">"Leave empty to generate one. Their sessions will be signed out."</p>
                    </div>
                    <button type="submit" disabled=pending>{move || if pending() { "Resetting…" } else { "Reset password" }}</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}
