//! The Performance page (`/performance`): for one service (and optionally one
//! endpoint) and a time range, latency percentiles, throughput and error rate
//! as charts, the key numbers as text, the slowest and most failing
//! endpoints, and (for one endpoint) its slowest traces.
//!
//! Like the Audit page, everything is driven by the URL's query (a plain GET
//! form picks it), so the page works without JavaScript; with JavaScript the
//! charts draw and a Live toggle streams new minutes into them.

mod charts;
mod deployments;
mod live;
pub(crate) mod numbers;
mod picker;
mod tables;
mod traces;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::metrics::get_performance;
use crate::metrics::pages::{PerformanceQuery, PerformanceReport};
use charts::Charts;
use numbers::KeyNumbers;
use picker::Picker;
use tables::EndpointTables;
use traces::SlowestTraces;

#[component]
pub fn Performance() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_from(&query_map.read()));
    let report = Resource::new(move || query.get(), get_performance);

    view! {
        <Title text="Performance" />
        <h1>"Performance"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading performance data…"</p> }>
            {move || report.get().map(|result| match result {
                Ok(report) => view! { <Report report query=query.get() /> }.into_any(),
                Err(error) => view! {
                    <Picker query=query.get() services=Vec::new() endpoints=Vec::new() />
                    <p class="error" role="alert">{format!("Could not load performance data: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The query the URL asks for (unknown parameters are ignored).
fn query_from(query: &ParamsMap) -> PerformanceQuery {
    PerformanceQuery {
        service: query.get("service"),
        endpoint: query.get("endpoint"),
        range: query.get("range"),
        from: query.get("from"),
        to: query.get("to"),
    }
}

#[component]
fn Report(report: PerformanceReport, query: PerformanceQuery) -> impl IntoView {
    if report.services.is_empty() {
        return view! { <NoServices /> }.into_any();
    }
    // An endpoint the service never served was set aside: the form and the
    // tables' links go on from what is shown, not from the stale URL.
    let query = PerformanceQuery {
        endpoint: report.endpoint.clone(),
        ..query
    };
    let unserved = report.unserved_endpoint.clone().map(|endpoint| {
        let service = report.service.clone().unwrap_or_default();
        view! {
            <p class="notice" role="status" data-testid="unserved-endpoint">
                {format!("Endpoint {endpoint} is not served by {service}; showing all endpoints.")}
            </p>
        }
    });
    // Each part erased to AnyView: the nested view types otherwise outgrow the compiler's limits.
    let picker =
        view! { <Picker query=query.clone() services=report.services.clone() endpoints=report.endpoints.clone() /> }
            .into_any();
    let numbers = view! { <KeyNumbers report=report.clone() /> }.into_any();
    let charts = view! { <Charts report=report.clone() /> }.into_any();
    let traces = report
        .slowest_traces
        .clone()
        .map(|traces| view! { <SlowestTraces traces /> }.into_any());
    let tables = view! { <EndpointTables report query /> }.into_any();
    view! { {picker} {unserved} {numbers} {charts} {traces} {tables} }.into_any()
}

/// Shown until some service has sent request data.
#[component]
pub fn NoServices() -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="no-services">
            <p class="empty-title">"No services have sent data yet — see docs/API.md"</p>
            <p class="muted">
                "Create an ingest key with "<code>"opsdeck api-key create --name <name> --scope ingest"</code>
                " and POST request events to "<code>"/api/v1/ingest"</code>"; docs/API.md shows the format."
            </p>
        </div>
    }
}
