//! "Create user": email, display name, role and first password, with each
//! field's error beside it (an email in use beside the email) and, without
//! JavaScript, the typed values kept after a refusal.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::use_actions;
use crate::auth::permissions::Role;
use crate::components::form::{FieldError, FormError, Typed, field_marks};
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
    // Ties each input to its error message, and puts the focus on the first.
    let (email_describe, email_invalid, email_focus) = field_marks(error, "email", None);
    let (name_describe, name_invalid, name_focus) = field_marks(error, "display_name", None);
    let (role_describe, role_invalid, _) = field_marks(error, "role", None);
    let (password_describe, password_invalid, password_focus) =
        field_marks(error, "password", Some("new-user-password-hint".to_string()));

    view! {
        <section class="panel narrow" aria-labelledby="create-user-heading">
            <h2 id="create-user-heading">"Create user"</h2>
            <ActionForm action=create>
                <div class="field">
                    <label for="new-user-email">"Email"</label>
                    <input id="new-user-email" name="email" type="email" autocomplete="off" required maxlength="254"
                        value=typed.value("email") aria-describedby=email_describe aria-invalid=email_invalid autofocus=email_focus />
                    <FieldError error field="email" />
                </div>
                <div class="field">
                    <label for="new-user-name">"Display name"</label>
                    <input id="new-user-name" name="display_name" type="text" autocomplete="off" maxlength="100"
                        value=typed.value("display_name") aria-describedby=name_describe aria-invalid=name_invalid autofocus=name_focus />
                    <FieldError error field="display_name" />
                </div>
                <div class="field">
                    <label for="new-user-role">"Role"</label>
                    <select id="new-user-role" name="role" aria-describedby=role_describe aria-invalid=role_invalid>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r.as_str() == role>{r.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="role" />
                </div>
                <div class="field">
                    <label for="new-user-password">"Password"</label>
                    <input
                        id="new-user-password" name="password" type="password" autocomplete="new-password"
                        required minlength="12" maxlength="128" aria-describedby=password_describe
                        aria-invalid=password_invalid autofocus=password_focus
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
