//! The admins' management of monitored data stores: the add form (a URL
//! typed, with "Test connection"), the backup targets one click turns
//! into a target, and the targets with their row forms (`rows.rs`). Every
//! form is a plain HTML form that JavaScript takes over; without it, a
//! refusal comes back beside its field with what was typed (never the URL)
//! and a connection test's success in the page's query.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::actions::{TargetActions, use_target_actions};
use super::rows::TargetRows;
use crate::components::field::Field;
use crate::components::form::{FormError, Typed, message_for};
use crate::components::row_form::{refusal_of, submitted_row};
use crate::datastores::targets::{BackupSource, DEFAULT_INTERVAL_SECS};
use crate::datastores::{AddDataStoreTarget, TestDataStoreConnection, get_data_store_targets};

#[component]
pub fn Manage() -> impl IntoView {
    let actions = use_target_actions();
    let list = Resource::new(move || actions.changes(), |_| get_data_store_targets());
    let query = use_query_map();
    let tested = move || query.read().get("connection_ok");
    view! {
        <section class="panel" aria-labelledby="targets-heading" data-testid="targets-admin">
            <h2 id="targets-heading">"Monitored data stores"</h2>
            <p class="muted">
                "Add another Postgres or Redis to watch: its statistics are read on its own interval into the "
                "service "<code>"pg:<name>"</code>" or "<code>"redis:<name>"</code>". Connection URLs are stored "
                "encrypted and never shown again. A Postgres role should be a member of "<code>"pg_monitor"</code>"."
            </p>
            {move || tested().map(|message| view! { <p class="success" role="status" data-testid="connection-test">{message}</p> })}
            <AddForm />
            <Transition fallback=|| view! { <p class="muted">"Loading the monitored data stores…"</p> }>
                {move || list.get().map(|result| match result {
                    Ok(admin) => view! {
                        <BackupSources sources=admin.backup_sources />
                        <TargetRows targets=admin.targets />
                    }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert">{format!("Could not read the monitored data stores: {error}")}</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AddForm() -> impl IntoView {
    let TargetActions { add, test, .. } = use_target_actions();
    let error = Signal::derive(move || add.value().get().and_then(Result::err).map(|e| e.conflict_on("name")));
    // Without JavaScript, a refused add or test comes back with what was typed.
    let typed = [
        Typed::for_action(AddDataStoreTarget::PATH),
        Typed::for_action(TestDataStoreConnection::PATH),
    ]
    .into_iter()
    .find(|typed| typed.get("name").is_some() || typed.get("interval_secs").is_some())
    .unwrap_or_default();
    let name = typed.value("name");
    let interval = typed
        .get("interval_secs")
        .unwrap_or_else(|| DEFAULT_INTERVAL_SECS.to_string());
    let url_ref = NodeRef::<Input>::new();
    let test_now = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let connection_url = url_ref.get().map(|input| input.value()).unwrap_or_default();
        test.dispatch(TestDataStoreConnection { connection_url });
    };
    let result = move || {
        test.value().get().map(|result| match result {
            Ok(message) => {
                view! { <p class="success" role="status" data-testid="connection-test">{message}</p> }.into_any()
            }
            Err(error) => {
                let message = message_for(Some(&error), "connection_url").unwrap_or_else(|| error.to_string());
                view! { <p class="error" role="alert" data-testid="connection-test">{message}</p> }.into_any()
            }
        })
    };
    view! {
        <h3>"Add by URL"</h3>
        <ActionForm action=add attr:class="target-form">
            <Field id="target-name" name="name" label="Name" error value=name required=true maxlength=63
                hint="Lowercase letters, digits, - or _." />
            <Field id="target-url" name="connection_url" label="Connection URL" kind="password" autocomplete="off"
                error required=true input_ref=url_ref
                hint="postgres://user:password@host:5432/database, redis://:password@host:6379/0 or rediss://… (TLS)." />
            <Field id="target-interval" name="interval_secs" label="Read every (seconds)" kind="number" min="10"
                max="3600" error value=interval required=true />
            <FormError error />
            <div class="form-buttons">
                <button type="submit" class="primary" disabled=move || add.pending().get()>"Add data store"</button>
                " "
                <button type="submit" formaction=TestDataStoreConnection::PATH formnovalidate=true on:click=test_now
                    disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                </button>
            </div>
            {result}
        </ActionForm>
    }
}

#[component]
fn BackupSources(sources: Vec<BackupSource>) -> impl IntoView {
    let action = use_target_actions().from_backup;
    let row = submitted_row(action, |input| input.backup_target_id, "backup_target_id");
    let body = if sources.is_empty() {
        view! {
            <p class="muted">"No backup target has a stored connection; add one on the Backups page, or type a URL above."</p>
        }
        .into_any()
    } else {
        view! {
            <ul class="backup-sources" data-testid="backup-sources">
                {sources.into_iter().map(|source| {
                    let refused = refusal_of(action, row, source.id);
                    view! {
                        <li>
                            <strong>{source.name.clone()}</strong>" "<code>{source.location.clone()}</code>" "
                            {if source.monitored {
                                view! { <span class="muted">"watched"</span> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action attr:class="inline-form">
                                        <input type="hidden" name="backup_target_id" value=source.id />
                                        <button type="submit" aria-label=format!("Watch backup target {}", source.name)>"Watch"</button>
                                    </ActionForm>
                                }.into_any()
                            }}
                            {move || refused.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <h3>"From a backup target"</h3>
        <p class="muted">"One click watches the Postgres a backup target backs up, with its stored connection, every "
            {DEFAULT_INTERVAL_SECS}" s."</p>
        {body}
    }
}
