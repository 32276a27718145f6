//! "Create user": email, display name, role and first password, with each
//! field's error beside it.

use leptos::prelude::*;

use super::use_actions;
use crate::auth::permissions::Role;
use crate::components::form::{FieldError, FormError};

#[component]
pub fn CreateUserForm() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let create = actions.create;
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let created = move || create.value().get().and_then(Result::ok);

    view! {
        <section class="panel narrow" aria-labelledby="create-user-heading">
            <h2 id="create-user-heading">"Create user"</h2>
            <ActionForm action=create>
                <div class="field">
                    <label for="new-user-email">"Email"</label>
                    <input id="new-user-email" name="email" type="email" autocomplete="off" required maxlength="254" />
                    <FieldError error field="email" />
                </div>
                <div class="field">
                    <label for="new-user-name">"Display name"</label>
                    <input id="new-user-name" name="display_name" type="text" autocomplete="off" maxlength="100" />
                    <FieldError error field="display_name" />
                </div>
                <div class="field">
                    <label for="new-user-role">"Role"</label>
                    <select id="new-user-role" name="role">
                        {Role::ALL.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=role == Role::Viewer>{role.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="role" />
                </div>
                <div class="field">
                    <label for="new-user-password">"Password"</label>
                    <input
                        id="new-user-password" name="password" type="password" autocomplete="new-password"
                        required minlength="12" maxlength="128" aria-describedby="new-user-password-hint"
                    />
                    <p class="hint" id="new-user-password-hint">"12 to 128 characters; common passwords are refused."</p>
                    <FieldError error field="password" />
                </div>
                <FormError error />
                {move || created().map(|user| view! {
                    <p class="success" role="status">{format!("Created {} ({}).", user.email, user.role)}</p>
                })}
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Creating…" } else { "Create user" }}
                </button>
            </ActionForm>
        </section>
    }
    .into_any()
}
