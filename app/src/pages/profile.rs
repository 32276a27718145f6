use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::{ChangePassword, use_current_user};
use crate::components::field::Field;
use crate::components::form::FormError;

/// `/profile`: who you are, and changing your own password.
#[component]
pub fn Profile() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let saved = move || matches!(change.value().get(), Some(Ok(())));

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
                <Field id="current_password" name="current_password" label="Current password" error kind="password"
                    autocomplete="current-password" required=true />
                <Field id="new_password" name="new_password" label="New password" error kind="password" autocomplete="new-password"
                    required=true minlength=12 maxlength=128 hint_id="new-password-hint"
                    hint="12 to 128 characters; common passwords are refused. Your other sessions will be signed out." />
                <FormError error />
                <Show when=saved>
                    <p class="success" role="status">"Password changed. Your other sessions have been signed out."</p>
                </Show>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}
