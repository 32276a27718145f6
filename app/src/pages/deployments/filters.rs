//! The filter form: a plain GET form, so it works without JavaScript and a
//! filtered view is a bookmarkable URL. The sort is kept; the page resets.

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::components::field::{Field, FieldMarks};
use crate::deployments::filter::RANGES;
use crate::deployments::{DeploymentFilter, DeploymentStatus};

#[component]
pub fn FilterForm(filter: Memo<DeploymentFilter>) -> impl IntoView {
    let field = move |get: fn(&DeploymentFilter) -> &Option<String>| {
        Signal::derive(move || get(&filter.read()).clone().unwrap_or_default())
    };
    let range = field(|f| &f.range);
    let status = field(|f| &f.status);
    view! {
        <section class="panel deployment-filters" aria-labelledby="deployment-filters-heading">
            <h2 id="deployment-filters-heading">"Filter"</h2>
            <Form method="GET" action="/deployments">
                <div class="filter-grid">
                    <TextField name="service" label="Service" value=field(|f| &f.service) />
                    <TextField name="environment" label="Environment" value=field(|f| &f.environment) />
                    <Field id="deployments-status" name="status" label="Status" control=move |m: FieldMarks| view! {
                        <select id=m.id name=m.name prop:value=status>
                            <option value="" selected=move || status.get().is_empty()>"Any"</option>
                            {DeploymentStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || status.get() == s.as_str()>{s.label()}</option>
                            }).collect_view()}
                        </select>
                    } />
                    <Field id="deployments-range" name="range" label="Started" control=move |m: FieldMarks| view! {
                        <select id=m.id name=m.name prop:value=range>
                            {RANGES.into_iter().map(|(value, label)| view! {
                                <option value=value selected=move || range.get() == value>{label}</option>
                            }).collect_view()}
                        </select>
                    } />
                    <TextField name="from" label="From (UTC, custom)" value=field(|f| &f.from) />
                    <TextField name="to" label="To (UTC, custom)" value=field(|f| &f.to) />
                </div>
                <input type="hidden" name="sort" value=move || filter.read().sort.clone().unwrap_or_default() />
                <input type="hidden" name="dir" value=move || filter.read().dir.clone().unwrap_or_default() />
                <div class="filter-buttons">
                    <button type="submit">"Apply filters"</button>
                    <a href="/deployments">"Clear filters"</a>
                </div>
            </Form>
        </section>
    }
}

#[component]
fn TextField(name: &'static str, label: &'static str, value: Signal<String>) -> impl IntoView {
    let id = format!("deployments-{name}");
    let placeholder = match name {
        "from" | "to" => "2026-11-24T10:00",
        _ => "",
    };
    view! {
        // `value` for the server-rendered HTML, `prop:value` to reset a field the user typed in.
        <Field id name label control=move |m: FieldMarks| view! {
            <input id=m.id type="text" name=m.name maxlength="200" placeholder=placeholder value=value prop:value=value />
        } />
    }
}
