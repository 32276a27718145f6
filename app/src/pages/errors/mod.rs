//! The Errors page (`/errors`; admins, operators, support): issues with
//! events in the chosen range — title, culprit, level, state, events in the
//! range, users, first and last seen — filtered, sorted and keyset-paged;
//! and one issue (`/errors/issues/:id`, `issue.rs`).
//!
//! The filter, sort and page live in the URL (plain GET forms and links),
//! so the page works without JavaScript and every view is bookmarkable.

mod actions;
mod bulk;
mod event;
mod events;
mod filters;
mod issue;
mod live;
mod merge;
mod occurrences;
mod sparkline;
mod table;
mod timeline;

pub use issue::IssuePage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::Area;
use crate::errors::issues::{IssueFilter, IssueListing};
use crate::errors::{SetIssueState, list_issues};
use bulk::{BulkAction, BulkActions};
use filters::FilterForm;
use live::LiveIssues;
use table::{IssuesTable, Pager};

#[component]
pub fn Errors() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from(&query.read()));
    let bulk = ServerAction::<SetIssueState>::new();
    provide_context(BulkAction(bulk));
    let listing = Resource::new(move || (filter.get(), bulk.version().get()), |(f, _)| list_issues(f));
    view! {
        <Title text="Errors" />
        <h1>"Errors"</h1>
        <p class="muted">{Area::Errors.purpose()}</p>
        <LiveIssues service=filter.get_untracked().service />
        <Transition fallback=|| view! { <p class="muted">"Loading issues…"</p> }>
            {move || listing.get().map(|result| match result {
                Ok(listing) => view! { <Listing listing filter=filter.get() /> }.into_any(),
                Err(error) => view! {
                    <FilterForm filter=filter.get() services=Vec::new() />
                    <p class="error" role="alert">{format!("Could not load the issues: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The filter the URL asks for (unknown parameters are ignored).
fn filter_from(query: &ParamsMap) -> IssueFilter {
    IssueFilter {
        service: query.get("service"),
        level: query.get("level"),
        state: query.get("state"),
        q: query.get("q"),
        range: query.get("range"),
        from: query.get("from"),
        to: query.get("to"),
        sort: query.get("sort"),
        after: query.get("after"),
        environment: query.get("environment"),
        release: query.get("release"),
        since: query.get("since"),
    }
}

#[component]
fn Listing(listing: IssueListing, filter: IssueFilter) -> impl IntoView {
    let form = view! {
        <FilterForm filter=filter.clone() services=listing.services.clone() deployments=listing.deployments.clone() />
    }
    .into_any();
    let next = listing.next.clone();
    view! {
        {form}
        {(!listing.rows.is_empty()).then(|| view! { <BulkActions /> })}
        <IssuesTable rows=listing.rows filter=filter.clone() />
        <Pager next filter />
    }
}

/// `2026-12-07 10:15 UTC`.
pub(super) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
