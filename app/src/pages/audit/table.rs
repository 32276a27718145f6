//! The list of entries, newest first, and the links to neighbouring pages.

use leptos::prelude::*;

use super::filters::outcome_label;
use crate::audit::{AuditEntry, AuditFilter, AuditPage, Cursor, Outcome};
use crate::components::table_head::TableHead;

#[component]
pub fn EntriesTable(entries: Vec<AuditEntry>, filter: AuditFilter, with_details: bool) -> impl IntoView {
    if entries.is_empty() {
        return view! { <EmptyState filtered=filter.is_filtered() /> }.into_any();
    }
    view! {
        <table class="audit-table">
            <caption class="visually-hidden">"Audit entries, newest first"</caption>
            <TableHead columns=&["#", "Time (UTC)", "Actor", "Role", "Action", "Target", "Outcome"] />
            <tbody>
                {entries.into_iter().map(|entry| view! { <EntryRow entry with_details /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn EntryRow(entry: AuditEntry, with_details: bool) -> impl IntoView {
    let target = match (&entry.head.target_type, &entry.head.target_id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        (Some(kind), None) => kind.clone(),
        (None, Some(id)) => id.clone(),
        // Never an empty text node: the browser drops it and hydration loses its place.
        (None, None) => "—".to_string(),
    };
    let id = entry.head.id;
    view! {
        <tr>
            <td class="num">
                {if with_details {
                    view! { <a href=format!("/audit/{id}") aria-label=format!("Entry {id} details")>{id}</a> }.into_any()
                } else {
                    view! { <span>{id}</span> }.into_any()
                }}
            </td>
            <td><time datetime=entry.head.at.to_rfc3339()>{entry.head.at.format("%Y-%m-%d %H:%M:%S").to_string()}</time></td>
            <td>{entry.head.actor_email.unwrap_or_else(|| "—".to_string())}</td>
            <td>{entry.head.actor_role.unwrap_or_else(|| "—".to_string())}</td>
            <td><code>{entry.head.action}</code></td>
            <td>{target}</td>
            <td><OutcomeBadge outcome=entry.outcome /></td>
        </tr>
    }
}

#[component]
pub fn OutcomeBadge(outcome: Outcome) -> impl IntoView {
    view! { <span class=format!("badge outcome-{}", outcome.as_str())>{outcome_label(outcome)}</span> }
}

#[component]
fn EmptyState(filtered: bool) -> impl IntoView {
    view! {
        <div class="empty-state">
            {if filtered {
                view! {
                    <p class="empty-title">"No entries match these filters"</p>
                    <p><a href="/audit">"Clear filters"</a></p>
                }.into_any()
            } else {
                view! {
                    <p class="empty-title">"No entries here"</p>
                    <p>"Entries appear as people sign in and change things."</p>
                }.into_any()
            }}
        </div>
    }
}

/// Keyset paging: links carry the filter and an `older`/`newer` entry id.
#[component]
pub fn Pager(page: AuditPage, filter: AuditFilter) -> impl IntoView {
    let paged = filter.older.is_some() || filter.newer.is_some();
    let newest = filter.page_href(None);
    let newer = page.newer.map(|id| filter.page_href(Some(Cursor::Newer(id))));
    let older = page.older.map(|id| filter.page_href(Some(Cursor::Older(id))));
    (paged || newer.is_some() || older.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Audit pages">
                {paged.then(|| view! { <a href=newest>"Newest"</a> })}
                {newer.map(|href| view! { <a href=href rel="prev">"← Newer"</a> })}
                {older.map(|href| view! { <a href=href rel="next">"Older →"</a> })}
            </nav>
        }
    })
}
