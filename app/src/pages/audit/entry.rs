//! One audit entry (`/audit/:id`): who, what, from where, and a before/after
//! table with the changed fields marked.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::table::OutcomeBadge;
use crate::audit::diff::{DiffRow, diff_rows};
use crate::audit::{AuditEntry, EntryDetails, get_audit_entry};
use crate::error::AppError;

#[component]
pub fn AuditEntryPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get_str("id").and_then(|id| id.parse::<i64>().ok()));
    let entry = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_audit_entry(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text=move || id.get().map(|id| format!("Audit entry {id}")).unwrap_or_else(|| "Audit entry".into()) />
        <p><a href="/audit">"← Audit log"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the entry…"</p> }>
            {move || entry.get().map(|result| match result {
                Ok(entry) => view! { <EntryView entry /> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <h1>"Audit entry"</h1>
                    <div class="empty-state"><p class="empty-title">"There is no audit entry with this number"</p></div>
                }.into_any(),
                Err(error) => view! {
                    <h1>"Audit entry"</h1>
                    <p class="error" role="alert">{format!("Could not load the entry: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn EntryView(entry: AuditEntry) -> impl IntoView {
    let details = entry.details.clone();
    let target = [entry.head.target_type.clone(), entry.head.target_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".to_string());
    view! {
        <h1>{format!("Audit entry {}", entry.head.id)}</h1>
        <section class="panel">
            <dl class="entry-facts">
                <dt>"Time (UTC)"</dt>
                <dd><time datetime=entry.head.at.to_rfc3339()>{entry.head.at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()}</time></dd>
                <dt>"Actor"</dt>
                <dd>{or_dash(entry.head.actor_email)}" "<span class="muted">{entry.head.actor_role.map(|r| format!("({r})"))}</span></dd>
                <dt>"Action"</dt>
                <dd><code>{entry.head.action}</code></dd>
                <dt>"Target"</dt>
                <dd>{if target.is_empty() { "—".to_string() } else { target }}</dd>
                <dt>"Outcome"</dt>
                <dd><OutcomeBadge outcome=entry.outcome /></dd>
                <dt>"Request id"</dt>
                <dd>{or_dash(entry.request_id)}</dd>
                {details.clone().map(|d| view! {
                    <dt>"Client IP"</dt>
                    <dd>{or_dash(d.client_ip)}</dd>
                    <dt>"User agent"</dt>
                    <dd>{or_dash(d.user_agent)}</dd>
                })}
            </dl>
        </section>
        {details.map(|details| view! { <ChangeTable details /> })}
    }
}

#[component]
fn ChangeTable(details: EntryDetails) -> impl IntoView {
    let rows = diff_rows(details.before.as_ref(), details.after.as_ref());
    let changed = rows.iter().filter(|row| row.changed()).count();
    view! {
        <section class="panel" aria-labelledby="change-heading">
            <h2 id="change-heading">"Change"</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"This entry records no before/after values."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{format!("{changed} of {} fields changed", rows.len())}</p>
                    <table class="diff-table">
                        <thead>
                            <tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr>
                        </thead>
                        <tbody>{rows.into_iter().map(|row| view! { <ChangeRow row /> }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ChangeRow(row: DiffRow) -> impl IntoView {
    let shown = |value: Option<String>| value.unwrap_or_else(|| "(absent)".to_string());
    if row.changed() {
        view! {
            <tr class="changed">
                <th scope="row">{row.key}<span class="visually-hidden">" (changed)"</span></th>
                <td><del>{shown(row.before)}</del></td>
                <td><ins>{shown(row.after)}</ins></td>
            </tr>
        }
        .into_any()
    } else {
        view! {
            <tr>
                <th scope="row">{row.key}</th>
                <td>{shown(row.before)}</td>
                <td>{shown(row.after)}</td>
            </tr>
        }
        .into_any()
    }
}
