//! The add and edit form of a scrape target: plain HTML that JavaScript
//! takes over; without it, a refused post comes back with what was typed
//! (never the token) and each field's message.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FormError, TextArea, Typed};
use crate::error::AppError;
use crate::scrape::SaveScrapeTarget;
use crate::scrape::targets::TargetForm;

/// What a refused plain post typed, if this page's form was refused.
pub fn typed_form() -> Option<TargetForm> {
    let typed = Typed::for_action(SaveScrapeTarget::PATH);
    typed.get("target[url]").map(|url| TargetForm {
        service: typed.value("target[service]"),
        url,
        interval_secs: typed.value("target[interval_secs]"),
        timeout_secs: typed.value("target[timeout_secs]"),
        labels: typed.value("target[labels]"),
        bearer_token: String::new(),
        clear_token: typed.get("target[clear_token]"),
        enabled: typed.get("target[enabled]"),
    })
}

fn name(field: &str) -> String {
    format!("target[{field}]")
}

#[component]
pub fn TargetFormView(
    save: ServerAction<SaveScrapeTarget>,
    id: Option<i64>,
    form: TargetForm,
    #[prop(optional)] has_token: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let labels = form.labels.clone();
    let token_hint = if has_token {
        "A token is stored (never shown). Type a new one to replace it; leave empty to keep it."
    } else {
        "Sent as Authorization: Bearer …; stored encrypted, never shown again. Leave empty if the target needs none."
    };
    view! {
        <ActionForm action=save attr:class="target-form" attr:data-testid="scrape-target-form">
            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            <Field id="scrape-service" name="service" posted_as=name("service") label="Service" error value=form.service
                required=true maxlength=200 hint="Its samples are stored under this service (its Performance and alert rules' service)." />
            <Field id="scrape-url" name="url" posted_as=name("url") label="URL" error value=form.url required=true
                maxlength=2000 kind="url" hint="The exposition's address, such as http://127.0.0.1:9100/metrics." />
            <Field id="scrape-interval" name="interval_secs" posted_as=name("interval_secs") label="Scrape every (seconds)"
                kind="number" min="5" max="3600" error
                value=form.interval_secs required=true />
            <Field id="scrape-timeout" name="timeout_secs" posted_as=name("timeout_secs") label="Timeout (seconds)"
                kind="number" min="1" max="60" error value=form.timeout_secs required=true
                hint="At most the interval; a slower answer is a failed scrape (up = 0)." />
            <Field id="scrape-labels" name="labels" posted_as=name("labels") label="Labels" error
                hint="name=value, one per line, added to every series (instance, the URL's host and port, is added too)."
                control=move |m: FieldMarks| view! {
                    <TextArea id=m.id name=m.name value=labels rows=3 described_by=m.describe.get_untracked() />
                } />
            <Field id="scrape-token" name="bearer_token" posted_as=name("bearer_token") label="Bearer token"
                kind="password" autocomplete="off" error hint=token_hint />
            {has_token.then(|| view! {
                <label class="checkbox"><input type="checkbox" name=name("clear_token") value="on" />" Forget the stored token"</label>
            })}
            <label class="checkbox">
                <input type="checkbox" name=name("enabled") value="on" checked=form.enabled.is_some() />" Scrape it"
            </label>
            <FormError error />
            <button type="submit" class="primary" disabled=move || save.pending().get()>
                {move || match (save.pending().get(), id) {
                    (true, _) => "Saving…",
                    (false, None) => "Add target",
                    (false, Some(_)) => "Save target",
                }}
            </button>
        </ActionForm>
    }
}
