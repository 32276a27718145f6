//! The Deployments page (`/deployments`; admins, operators, managers): a
//! timeline grouped by day, the filterable, sortable, paged table with each
//! deployment's impact, and, for those who may record deployments, the
//! "Record a deployment" form and a Finish action on started ones.
//!
//! The filter, sort and page live in the URL (plain GET forms and links);
//! recording and finishing are `ActionForm`s whose no-JS posts redirect back
//! here, so everything works without JavaScript. A refused record or Finish
//! shows each message beside its field with what was typed (after a no-JS
//! post, from the URL the server sends the browser back to).

mod filters;
mod finish;
mod impact;
mod issues;
mod record;
mod table;
mod timeline;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::Area;
use crate::components::row_form::{reload_key, submitted_row};
use crate::deployments::{DeploymentFilter, DeploymentListing, FinishDeployment, RecordDeployment, list_deployments};
use filters::FilterForm;
use finish::FinishNotice;
use record::RecordForm;
use table::{DeploymentsTable, Pager};
use timeline::Timeline;

/// The page's server actions, shared by the form and every row.
#[derive(Clone, Copy)]
pub(super) struct DeploymentActions {
    pub record: ServerAction<RecordDeployment>,
    pub finish: ServerAction<FinishDeployment>,
    /// The deployment whose Finish form was submitted last.
    pub finish_row: Signal<Option<i64>>,
}

pub(super) fn use_actions() -> Option<DeploymentActions> {
    use_context::<DeploymentActions>()
}

#[component]
pub fn Deployments() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from(&query.read()));
    let finish = ServerAction::<FinishDeployment>::new();
    let actions = DeploymentActions {
        record: ServerAction::new(),
        finish,
        finish_row: submitted_row(finish, |input| input.deployment_id, "deployment_id"),
    };
    provide_context(actions);
    // A refused record or a Finish refused beside its fields changed
    // nothing: the table stays, and the Finish form with what was typed.
    let recorded = reload_key(actions.record, |_| true);
    let finished = reload_key(actions.finish, finish::is_field_error);
    let listing = Resource::new(
        move || (filter.get(), recorded.get(), finished.get()),
        |(filter, _, _)| list_deployments(filter),
    );

    view! {
        <Title text="Deployments" />
        <div class="page-head">
            <h1>"Deployments"</h1>
            <RecordLink />
        </div>
        <p class="muted">{Area::Deployments.purpose()}</p>
        <FilterForm filter />
        <FinishNotice />
        <Transition fallback=|| view! { <p class="muted">"Loading deployments…"</p> }>
            {move || listing.get().map(|result| match result {
                Ok(listing) => view! { <Listing listing filter=filter.get() /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the deployments: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
        <RecordForm />
    }
}

/// The query the URL asks for (unknown parameters are ignored).
fn filter_from(query: &ParamsMap) -> DeploymentFilter {
    DeploymentFilter {
        service: query.get("service"),
        environment: query.get("environment"),
        status: query.get("status"),
        range: query.get("range"),
        from: query.get("from"),
        to: query.get("to"),
        sort: query.get("sort"),
        dir: query.get("dir"),
        page: query.get("page"),
    }
}

#[component]
fn Listing(listing: DeploymentListing, filter: DeploymentFilter) -> impl IntoView {
    let timeline = view! { <Timeline deployments=listing.timeline.clone() total=listing.total /> }.into_any();
    let table = view! { <DeploymentsTable listing=listing.clone() filter=filter.clone() /> }.into_any();
    let pager = view! { <Pager listing filter /> }.into_any();
    view! { {timeline} {table} {pager} }
}

/// A jump to the form, for those who may record.
#[component]
fn RecordLink() -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || record::may_record().then(|| view! { <a class="button" href="#record-deployment">"Record a deployment"</a> })}
        </Transition>
    }
}

/// `2026-11-24 10:15 UTC`.
pub(super) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
