//! "Create user": email, display name, role and first password, with each
//! field's error beside it (an email in use beside the email) and, without
//! JavaScript, the typed values kept after a refusal.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::use_actions;
use crate::auth::permissions::Role;
use crate::components::field::{Field, choices};
use crate::components::form::{FormError, Typed};
use crate::users::CreateUser;

#[component]
pub fn CreateUserForm() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let create = actions.create;
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.conflict_on("email"))
    });
    let created = move || create.value().get().and_then(Result::ok);
    let typed = Typed::for_action(CreateUser::PATH);
    let role = typed.get("role").unwrap_or_else(|| Role::Viewer.as_str().to_string());
    let roles = Role::ALL.into_iter().map(|r| (r.as_str(), r.as_str())).collect();
    view! {
        <section class="panel narrow" aria-labelledby="create-user-heading">
            <h2 id="create-user-heading">"Create user"</h2>
            <ActionForm action=create>
                <Field id="new-user-email" name="email" label="Email" error kind="email" autocomplete="off" required=true
                    maxlength=254 value=typed.value("email") />
                <Field id="new-user-name" name="display_name" label="Display name" error autocomplete="off" maxlength=100
                    value=typed.value("display_name") />
                <Field id="new-user-role" name="role" label="Role" error control=choices(roles, Some(role)) />
                <Field id="new-user-password" name="password" label="Password" error kind="password" autocomplete="new-password"
                    required=true minlength=12 maxlength=128 hint="12 to 128 characters; common passwords are refused." />
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
