//! "Create API key": name, scopes, expiry; the new key shown once — from
//! the action's answer with JavaScript, or, after a plain form post's
//! redirect, taken from the session (`api_keys::ssr::shown_once`).

use leptos::prelude::*;

use super::use_actions;
use crate::api_keys::{CreateApiKey, CreatedApiKey, take_created_api_key};
use crate::components::copy_button::CopyButton;
use crate::components::form::{FieldError, FormError, Typed, field_marks};
use leptos::server_fn::ServerFn;

#[component]
pub fn CreateKeyForm() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let create = actions.create;
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // Taken once, while the page renders on the server; hydration reuses the answer.
    let taken = Resource::new(|| (), |_| take_created_api_key());
    let created = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| taken.get().and_then(Result::ok).flatten())
    };
    // Without JavaScript, a refused post comes back with what was typed.
    let typed = Typed::for_action(CreateApiKey::PATH);
    let (name_describe, name_invalid, name_focus) = field_marks(error, "name", Some("new-key-name-hint".into()));

    view! {
        <section class="panel narrow" aria-labelledby="create-key-heading">
            <h2 id="create-key-heading">"Create API key"</h2>
            <ActionForm action=create>
                <div class="field">
                    <label for="new-key-name">"Name"</label>
                    <input id="new-key-name" name="name" type="text" autocomplete="off" required maxlength="100"
                        value=typed.value("name") aria-describedby=name_describe aria-invalid=name_invalid autofocus=name_focus />
                    <p class="hint" id="new-key-name-hint">"What uses the key, e.g. “checkout service” or “CI”."</p>
                    <FieldError error field="name" />
                </div>
                <fieldset class="field">
                    <legend>"Scopes"</legend>
                    <label><input type="checkbox" name="scope_ingest" value="true" checked />" ingest — send metrics"</label>
                    <label><input type="checkbox" name="scope_deployments_write" value="true" />" deployments:write — record deployments"</label>
                    <FieldError error field="scopes" />
                </fieldset>
                <div class="field">
                    <label for="new-key-expiry">"Expires"</label>
                    <select id="new-key-expiry" name="expires_in_days">
                        <option value="0">"never"</option>
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                    </select>
                    <FieldError error field="expires_in_days" />
                </div>
                <FormError error />
                <Transition fallback=|| ()>
                    {move || created().map(|created| view! { <NewKey created /> })}
                </Transition>
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Creating…" } else { "Create key" }}
                </button>
            </ActionForm>
        </section>
    }
    .into_any()
}

/// The new key, whole, with a Copy button (JavaScript) or selectable by hand.
#[component]
fn NewKey(created: CreatedApiKey) -> impl IntoView {
    view! {
        <div class="success generated-password" role="status" id="new-key">
            <p>{format!("New key “{}”:", created.key.name)}</p>
            <p class="secret-line">
                <code class="secret" data-testid="new-key-secret">{created.secret.clone()}</code>
                <CopyButton text=created.secret label="Copy the new key" />
            </p>
            <p>"It is shown only this once: copy it now and keep it secret."</p>
        </div>
    }
}
