//! "Create API key": name, scopes, expiry; the new key shown once — from
//! the action's answer with JavaScript, or, after a plain form post's
//! redirect, taken from the session (`api_keys::ssr::shown_once`).

use leptos::prelude::*;

use super::use_actions;
use crate::api_keys::{CreateApiKey, CreatedApiKey, take_created_api_key};
use crate::components::copy_button::CopyButton;
use crate::components::field::{Field, FieldGroup, FieldMarks};
use crate::components::form::{FormError, Typed};
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

    view! {
        <section class="panel narrow" aria-labelledby="create-key-heading">
            <h2 id="create-key-heading">"Create API key"</h2>
            <ActionForm action=create>
                <Field id="new-key-name" name="name" label="Name" error autocomplete="off" required=true maxlength=100
                    value=typed.value("name") hint="What uses the key, e.g. “checkout service” or “CI”." />
                <FieldGroup legend="Scopes" name="scopes" error>
                    <label><input type="checkbox" name="scope_ingest" value="true" checked />" ingest — send metrics"</label>
                    <label><input type="checkbox" name="scope_deployments_write" value="true" />" deployments:write — record deployments"</label>
                    <label><input type="checkbox" name="scope_logs" value="true" />" logs — send log lines (OpenTelemetry or NDJSON)"</label>
                    <label><input type="checkbox" name="scope_errors" value="true" />" errors — send errors from a Sentry SDK (a DSN for the service below)"</label>
                </FieldGroup>
                <Field id="new-key-service" name="service" label="Service (errors scope)" error autocomplete="off" maxlength=200
                    value=typed.value("service") hint="The service whose errors the key sends, e.g. “checkout”." />
                <Field id="new-key-expiry" name="expires_in_days" label="Expires" error control=|m: FieldMarks| view! {
                    <select id=m.id name=m.name aria-describedby=m.describe aria-invalid=m.invalid>
                        <option value="0">"never"</option>
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                    </select>
                } />
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
            {created.dsn.map(|dsn| view! {
                <p>"Its DSN, for a Sentry SDK's " <code>"dsn"</code> " option:"</p>
                <p class="secret-line">
                    <code class="secret" data-testid="new-key-dsn">{dsn.clone()}</code>
                    <CopyButton text=dsn label="Copy the DSN" />
                </p>
            })}
            <p>"It is shown only this once: copy it now and keep it secret."</p>
        </div>
    }
}
