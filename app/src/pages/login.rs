use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::SignIn;
use crate::components::form::{FieldError, FormError};

/// `/login`: email and password. Works as a plain form without JavaScript.
#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    let sign_in = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || sign_in.value().get().and_then(Result::err));

    view! {
        <Title text="Sign in" />
        <div class="login-card">
            <h1>"Sign in to Opsdeck"</h1>
            <ActionForm action=sign_in>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required autofocus />
                    <FieldError error field="email" />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                    <FieldError error field="password" />
                </div>
                <FormError error />
                <button type="submit" class="primary" disabled=move || sign_in.pending().get()>
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </div>
    }
}
