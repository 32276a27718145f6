use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::SignIn;
use crate::components::field::Field;
use crate::components::form::{FormError, Typed, first_field};
use crate::error::AppError;

/// `/login`: email and password. Works as a plain form without JavaScript.
///
/// A refusal shows beside the field it concerns (a wrong email or password
/// beside the password, which takes the focus) and keeps the email as
/// typed; the password is never sent back (a refused plain post comes back
/// with the email only, see server/src/form_echo.rs).
#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    let sign_in = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || sign_in.value().get().and_then(Result::err).map(beside_field));
    let email = Typed::for_action(SignIn::PATH).value("email");
    // The email takes the focus unless the password was refused.
    let password_focus = error.with_untracked(|e| first_field(e.as_ref())).as_deref() == Some("password");
    // With JavaScript the refused password is cleared too, as a page loaded
    // after a refusal never holds it.
    let password = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |seen: Option<()>| {
        let refused = error.with(Option::is_some);
        if let (Some(()), true, Some(input)) = (seen, refused, password.get()) {
            input.set_value("");
        }
    });

    view! {
        <Title text="Sign in" />
        <div class="login-card">
            <h1>"Sign in to Opsdeck"</h1>
            <ActionForm action=sign_in>
                <input type="hidden" name="next" value=next />
                <Field id="email" name="email" label="Email" error kind="email" autocomplete="username" required=true
                    value=email focus=!password_focus />
                <Field input_ref=password id="password" name="password" label="Password" error kind="password"
                    autocomplete="current-password" required=true />
                <FormError error />
                <button type="submit" class="primary" disabled=move || sign_in.pending().get()>
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </div>
    }
}

/// A wrong email or password is shown beside the password: the email is
/// kept, and the password is what to type again.
fn beside_field(error: AppError) -> AppError {
    match error {
        AppError::SignInFailed => AppError::validation("password", AppError::SignInFailed.to_string()),
        other => other,
    }
}
