//! The service / endpoint / time-range picker: a plain GET form, so it works
//! without JavaScript and every view is a bookmarkable URL.

use leptos::prelude::*;

use crate::components::field::{Field, FieldMarks};
use crate::components::range_fields::RangeFilter;
use crate::metrics::pages::PerformanceQuery;

#[component]
pub fn Picker(query: PerformanceQuery, services: Vec<String>, endpoints: Vec<String>) -> impl IntoView {
    let chosen_service = query
        .service
        .clone()
        .or_else(|| services.first().cloned())
        .unwrap_or_default();
    let chosen_endpoint = query.endpoint.clone().unwrap_or_default();
    // A service named in the URL but unknown here stays selectable, so the form keeps it.
    let mut services = services;
    if !chosen_service.is_empty() && !services.contains(&chosen_service) {
        services.push(chosen_service.clone());
    }
    let mut endpoints = endpoints;
    if !chosen_endpoint.is_empty() && !endpoints.contains(&chosen_endpoint) {
        endpoints.push(chosen_endpoint.clone());
    }
    // Another service's endpoints mean nothing for this one: once the service
    // changes, the endpoint list is set aside (a disabled field is not sent,
    // so the new service shows all its endpoints) until the page reloads it.
    let service_changed = RwSignal::new(false);
    view! {
        <section class="panel performance-picker" aria-labelledby="performance-picker-heading">
            <h2 id="performance-picker-heading" class="visually-hidden">"Choose what to show"</h2>
            <RangeFilter action="/performance" prefix="performance" range=query.range from=query.from to=query.to>
                <Field id="performance-service" name="service" label="Service" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name on:change=move |_| service_changed.set(true)>
                        {services.into_iter().map(|service| {
                            let selected = service == chosen_service;
                            let label = service.clone();
                            view! { <option value=service selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                } />
                // The hint shows only once the service changed: it is part of the control.
                <Field id="performance-endpoint" name="endpoint" label="Endpoint" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name disabled=move || service_changed.get() aria-describedby="performance-endpoint-hint">
                        <option value="" selected=chosen_endpoint.is_empty()>"All endpoints"</option>
                        {endpoints.into_iter().map(|endpoint| {
                            let selected = endpoint == chosen_endpoint;
                            let label = endpoint.clone();
                            view! { <option value=endpoint selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <p id="performance-endpoint-hint" class="hint" hidden=move || !service_changed.get()>
                        "All endpoints of the new service; pick one after Show."
                    </p>
                } />
            </RangeFilter>
        </section>
    }
}
