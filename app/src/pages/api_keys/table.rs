//! The list of keys: name, masked key, scopes, status, last use, and each
//! live key's expiry and revoke forms.

use leptos::prelude::*;

use super::{use_actions, when};
use crate::api_keys::{ApiKeySummary, KeyStatus, Scope};
use crate::components::field::Field;
use crate::components::row_form::pending_for;
use crate::components::table_head::TableHead;

#[component]
pub fn KeysTable(keys: Vec<ApiKeySummary>) -> impl IntoView {
    if keys.is_empty() {
        return view! {
            <div class="empty-state">
                <p class="empty-title">"No API keys yet"</p>
                <p>"Create one below, or with " <code>"opsdeck api-key create --name N --scope ingest"</code> "."</p>
            </div>
        }
        .into_any();
    }
    view! {
        // Three dates that never break make the table wider than a laptop's
        // content area: it scrolls inside its box, not the page sideways.
        <div class="table-scroll">
            <table class="users-table api-keys-table">
                <TableHead columns=&["Name", "Key", "Scopes", "Status", "Created", "Expires", "Last used", "Actions"] />
                <tbody>{keys.into_iter().map(|key| view! { <KeyRow key /> }).collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKeySummary) -> impl IntoView {
    let status = key.status(chrono::Utc::now());
    let badge = match status {
        KeyStatus::Active => ("Active", "badge badge-up"),
        KeyStatus::Expired => ("Expired", "badge badge-degraded"),
        KeyStatus::Revoked => ("Revoked", "badge badge-down"),
    };
    let scopes = key
        .scopes
        .iter()
        .map(|scope| match (scope, &key.error_project) {
            (Scope::Errors, Some(project)) => format!("errors ({}, project {})", project.service, project.id),
            _ => scope.as_str().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let created_by = key.created_by.clone().unwrap_or_else(|| "command line".to_string());
    view! {
        <tr class:disabled-user=status != KeyStatus::Active>
            <td>{key.name.clone()}</td>
            <td><code>{key.masked()}</code></td>
            <td>{scopes}</td>
            <td><span class=badge.1>{badge.0}</span></td>
            <td class="num">{when(Some(key.created_at))}<br /><span class="muted">{format!("by {created_by}")}</span></td>
            <td class="num">{key.expires_at.map_or_else(|| "never".to_string(), |at| when(Some(at)))}</td>
            <td class="num">{when(key.last_used_at)}</td>
            <td class="user-actions">
                {(status != KeyStatus::Revoked).then(|| view! {
                    <ExpiryForm key=key.clone() />
                    <RevokeForm key=key.clone() />
                })}
            </td>
        </tr>
    }
}

/// A date, or empty for never (a past date expires the key at once).
#[component]
fn ExpiryForm(key: ApiKeySummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.set_expiry;
    let id = key.id;
    let pending = pending_for(action, move |input| input.key_id == id);
    let field_id = format!("expiry-{id}");
    let current = key
        .expires_at
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    view! {
        <details class="confirm">
            <summary>"Expiry"</summary>
            <div class="confirm-body">
                <ActionForm action>
                    <input type="hidden" name="key_id" value=id />
                    <Field id=field_id label=format!("Expiry date of {}", key.name) name="expires_on" kind="date" value=current
                        hint="Expires at 00:00 UTC that day; a past date expires it now. Empty: never." />
                    <button type="submit" disabled=pending>{move || if pending.get() { "Saving…" } else { "Set expiry" }}</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}

/// Revoke, only after "Yes, revoke" (a `<details>` works without JavaScript).
#[component]
fn RevokeForm(key: ApiKeySummary) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.revoke;
    let id = key.id;
    let pending = pending_for(action, move |input| input.key_id == id);
    view! {
        <details class="confirm">
            <summary>"Revoke"</summary>
            <div class="confirm-body">
                <p>{format!("Revoke {}? Anything still sending with it is refused from now on.", key.name)}</p>
                <ActionForm action>
                    <input type="hidden" name="key_id" value=id />
                    <button type="submit" class="danger" disabled=pending>"Yes, revoke"</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}
