//! The monitored targets as the admins manage them: per row where it is,
//! its interval (a row form), its status, and switch on/off, "Test
//! connection" and delete (after a confirmation).

use leptos::prelude::*;

use super::actions::use_target_actions;
use crate::components::form::message_for;
use crate::components::row_form::{pending_for, refusal_of, row_error_id, submitted_row, typed_in_row};
use crate::components::status_badge::StatusBadge;
use crate::components::table_head::TableHead;
use crate::datastores::SetDataStoreTargetInterval;
use crate::datastores::targets::DataStoreTarget;
use leptos::server_fn::ServerFn;

#[component]
pub fn TargetRows(targets: Vec<DataStoreTarget>) -> impl IntoView {
    if targets.is_empty() {
        return view! { <p class="muted">"No data store has been added yet."</p> }.into_any();
    }
    view! {
        <h3>"Added"</h3>
        <div class="table-scroll">
            <table class="users-table" data-testid="targets-table">
                <TableHead columns=&["Data store", "Read every", "Status", "~Actions"] />
                <tbody>
                    {targets.into_iter().map(|target| view! { <TargetRow target /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TargetRow(target: DataStoreTarget) -> impl IntoView {
    let id = target.id;
    let origin = target
        .from_backup
        .clone()
        .map(|name| format!(" · from backup target {name}"));
    view! {
        <tr data-testid="target-row">
            <td>
                <a href=format!("/datastores/target?id={id}")><strong>{target.name.clone()}</strong></a>
                " "<span class="muted">{target.kind.title()}{origin}</span><br />
                <code>{target.location.clone()}</code>
            </td>
            <td><IntervalForm target=target.clone() /></td>
            <td>
                <StatusBadge status=target.status />
                {target.reason.clone().map(|reason| view! { <br /><span class="muted">{reason}</span> })}
            </td>
            <td class="user-actions">
                <EnableForm target=target.clone() />
                <TestForm target=target.clone() />
                <DeleteForm target />
            </td>
        </tr>
    }
}

#[component]
fn IntervalForm(target: DataStoreTarget) -> impl IntoView {
    let action = use_target_actions().interval;
    let id = target.id;
    let row = submitted_row(action, |input| input.target_id, "target_id");
    let refused = refusal_of(action, row, id);
    let typed = typed_in_row(SetDataStoreTargetInterval::PATH, "target_id", id);
    let value = typed
        .get("interval_secs")
        .unwrap_or_else(|| target.interval_secs.to_string());
    let input_id = format!("interval-{id}");
    let error_id = row_error_id("interval_secs", id);
    let described = error_id.clone();
    let message = move || {
        refused.with(|e| message_for(e.as_ref(), "interval_secs").or_else(|| e.as_ref().map(ToString::to_string)))
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="target_id" value=id />
            <label for=input_id.clone() class="visually-hidden">{format!("Read {} every (seconds)", target.name)}</label>
            <input id=input_id name="interval_secs" type="number" min="10" max="3600" required value=value class="narrow"
                aria-describedby=move || refused.get().is_some().then(|| described.clone())
                aria-invalid=move || refused.get().is_some().then_some("true") />
            " s "
            <button type="submit" aria-label=format!("Save the interval of {}", target.name)>"Save"</button>
            {move || message().map(|m| view! { <p class="error" id=error_id.clone() role="alert">{m}</p> })}
        </ActionForm>
    }
}

#[component]
fn EnableForm(target: DataStoreTarget) -> impl IntoView {
    let action = use_target_actions().enabled;
    let id = target.id;
    let pending = pending_for(action, move |input| input.target_id == id);
    let (next, label) = if target.enabled {
        ("false", "Switch off")
    } else {
        ("true", "Switch on")
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="target_id" value=id />
            <input type="hidden" name="enabled" value=next />
            <button type="submit" disabled=pending aria-label=format!("{label}: {}", target.name)>{label}</button>
        </ActionForm>
    }
}

#[component]
fn TestForm(target: DataStoreTarget) -> impl IntoView {
    let action = use_target_actions().test_saved;
    let id = target.id;
    let pending = pending_for(action, move |input| input.target_id == id);
    let row = submitted_row(action, |input| input.target_id, "target_id");
    let result = move || {
        (row.get() == Some(id))
            .then(|| action.value().get())
            .flatten()
            .map(|result| match result {
                Ok(message) => {
                    view! { <p class="success" role="status" data-testid="target-test">{message}</p> }.into_any()
                }
                Err(error) => {
                    let message = message_for(Some(&error), "target_test").unwrap_or_else(|| error.to_string());
                    view! { <p class="error" role="alert" data-testid="target-test">{message}</p> }.into_any()
                }
            })
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="target_id" value=id />
            <button type="submit" disabled=pending aria-label=format!("Test connection: {}", target.name)>
                {move || if pending.get() { "Testing…" } else { "Test connection" }}
            </button>
        </ActionForm>
        {result}
    }
}

#[component]
fn DeleteForm(target: DataStoreTarget) -> impl IntoView {
    let action = use_target_actions().delete;
    view! {
        <details class="confirm">
            <summary>"Delete"</summary>
            <div class="confirm-body">
                <p>{format!("Stop watching {} and delete it? Its samples stay until retention removes them.", target.name)}</p>
                <ActionForm action>
                    <input type="hidden" name="target_id" value=target.id />
                    <button type="submit" class="danger" aria-label=format!("Yes, delete {}", target.name)>"Yes, delete"</button>
                </ActionForm>
            </div>
        </details>
    }
}
