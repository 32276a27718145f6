use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::{ChangePassword, use_current_user};
use crate::components::form::{FieldError, FormError, field_marks};

/// `/profile`: who you are, and changing your own password.
#[component]
pub fn Profile() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let saved = move || matches!(change.value().get(), Some(Ok(())));
    let (current_describe, current_invalid, current_focus) = field_marks(error, "current_password", None);
    let (new_describe, new_invalid, new_focus) = field_marks(error, "new_password", Some("new-password-hint".into()));

    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Transition fallback=|| ()>
            {move || use_current_user().map(|user| view! {
                <dl class="facts">
                    <dt>"Name"</dt><dd>{user.display_name}</dd>
                    <dt>"Email"</dt><dd>{user.email}</dd>
                    <dt>"Role"</dt><dd>{user.role.as_str()}</dd>
                </dl>
            })}
        </Transition>
        <section class="panel narrow" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <ActionForm action=change>
                <div class="field">
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required
                        aria-describedby=current_describe aria-invalid=current_invalid autofocus=current_focus />
                    <FieldError error field="current_password" />
                </div>
                <div class="field">
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="12" maxlength="128"
                        aria-describedby=new_describe aria-invalid=new_invalid autofocus=new_focus />
                    <p class="hint" id="new-password-hint">"12 to 128 characters; common passwords are refused. Your other sessions will be signed out."</p>
                    <FieldError error field="new_password" />
                </div>
                <FormError error />
                <Show when=saved>
                    <p class="success" role="status">"Password changed. Your other sessions have been signed out."</p>
                </Show>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}
