//! The Audit page (`/audit`): filters, the newest-first list with keyset
//! paging, CSV export and chain verification; and one entry (`/audit/:id`).
//!
//! Everything is driven by the URL's query, so the page works as plain GET
//! forms and links without JavaScript and every view can be bookmarked.

mod entry;
mod filters;
mod table;
mod verify;

pub use entry::AuditEntryPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::audit::{AuditFilter, AuditListing, list_audit_entries};
use crate::auth::permissions::{Permission, allows};
use filters::FilterForm;
use table::{EntriesTable, Pager};
use verify::{ReportResource, VerifyPanel, chain_report};

#[component]
pub fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from(&query.read()));
    let verify_requested = Memo::new(move |_| query.read().get_str("verify").is_some());
    let listing = Resource::new(move || filter.get(), list_audit_entries);
    let may_verify = Signal::derive(move || {
        listing.with(|listing| matches!(listing, Some(Ok(l)) if allows(l.viewer_role, Permission::VerifyAudit)))
    });
    let report = chain_report(verify_requested, may_verify);

    view! {
        <Title text="Audit" />
        <h1>"Audit log"</h1>
        <FilterForm filter />
        <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || listing.get().map(|result| match result {
                Ok(listing) => view! { <Listing listing filter=filter.get() report /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the audit log: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The filter the URL asks for (unknown parameters are ignored).
fn filter_from(query: &ParamsMap) -> AuditFilter {
    AuditFilter {
        from: query.get("from"),
        to: query.get("to"),
        actor: query.get("actor"),
        action: query.get("action"),
        target_type: query.get("target_type"),
        target_id: query.get("target_id"),
        outcome: query.get("outcome"),
        q: query.get("q"),
        older: query.get("older"),
        newer: query.get("newer"),
    }
}

#[component]
fn Listing(listing: AuditListing, filter: AuditFilter, report: ReportResource) -> impl IntoView {
    let role = listing.viewer_role;
    let page = listing.page;
    view! {
        <div class="audit-actions">
            {allows(role, Permission::ExportAudit).then(|| view! { <ExportLink filter=filter.clone() /> })}
            {allows(role, Permission::VerifyAudit).then(|| view! { <VerifyPanel filter=filter.clone() report /> })}
        </div>
        <EntriesTable entries=page.entries.clone() filter=filter.clone() with_details=allows(role, Permission::ReadAuditDetails) />
        <Pager page filter />
    }
}

/// The CSV of everything the current filter matches (all pages).
#[component]
fn ExportLink(filter: AuditFilter) -> impl IntoView {
    let query = filter.query_string();
    let href = if query.is_empty() {
        "/api/v1/audit/export.csv".to_string()
    } else {
        format!("/api/v1/audit/export.csv?{query}")
    };
    // `download` and rel=external: a file for the browser, not a client-side route.
    view! { <a class="button" href=href download rel="external">"Export CSV"</a> }
}
