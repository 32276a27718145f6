//! The list of issues and the link to the next page (keyset paging).

use leptos::prelude::*;

use super::bulk::FORM_ID;
use super::sparkline::Sparkline;
use super::when;
use crate::components::table_head::TableHead;
use crate::errors::issues::{IssueFilter, IssueRow};

#[component]
pub fn IssuesTable(rows: Vec<IssueRow>, filter: IssueFilter) -> impl IntoView {
    if rows.is_empty() {
        let filtered = filter != IssueFilter::default();
        return view! {
            <div class="empty-state">
                <p class="empty-title">"No issues with events in this range"</p>
                {if filtered {
                    view! { <p><a href="/errors">"Clear filters"</a></p> }.into_any()
                } else {
                    view! { <p>"Create a key with the " <code>"errors"</code> " scope under Settings › API keys and paste its DSN into a Sentry SDK."</p> }.into_any()
                }}
            </div>
        }
        .into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="audit-table errors-table">
                <caption class="visually-hidden">"Issues"</caption>
                <TableHead columns=&["Issue", "Level", "State", "Events", "Users", "Last 24 h", "First seen", "Last seen"] />
                <tbody>{rows.into_iter().map(|row| view! { <IssueLine row /> }).collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn IssueLine(row: IssueRow) -> impl IntoView {
    let culprit = if row.culprit.is_empty() {
        "—".to_string()
    } else {
        row.culprit.clone()
    };
    view! {
        <tr>
            <td>
                // Belongs to the bulk form above the table (`bulk.rs`).
                <input type="checkbox" class="row-select" form=FORM_ID name="issue_ids[]" value=row.id
                    aria-label=format!("Select {}", row.title) />
                " "
                <a href=format!("/errors/issues/{}", row.id)>{row.title.clone()}</a>
                <br /><span class="muted">{format!("{} · ", row.service)}<code>{culprit}</code></span>
            </td>
            <td><span class=format!("badge level-{}", row.level)>{row.level.clone()}</span></td>
            <td>{row.state.clone()}</td>
            <td class="num">{row.events}</td>
            <td class="num">{row.users}</td>
            <td><Sparkline hours=row.last_day.clone() /></td>
            <td class="num">{when(row.first_seen)}</td>
            <td class="num">{when(row.last_seen)}</td>
        </tr>
    }
}

#[component]
pub fn Pager(next: Option<String>, filter: IssueFilter) -> impl IntoView {
    let paged = filter.after.is_some();
    let first = filter.href(filter.sort.as_deref(), None);
    let next = next.map(|cursor| filter.href(filter.sort.as_deref(), Some(cursor)));
    (paged || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Issue pages">
                {paged.then(|| view! { <a href=first>"First page"</a> })}
                {next.map(|href| view! { <a href=href rel="next">"Next →"</a> })}
            </nav>
        }
    })
}
