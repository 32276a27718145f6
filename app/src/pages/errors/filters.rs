//! The filter form: service, level, state, environment, release, new since
//! a deployment, free text, sort and time range,
//! a plain GET form (the page resets to the first).

use leptos::prelude::*;

use crate::components::field::{Field, FieldMarks};
use crate::components::range_fields::RangeFilter;
use crate::errors::issues::{IssueFilter, IssueSort, LEVELS, STATES};

#[component]
pub fn FilterForm(
    filter: IssueFilter,
    services: Vec<String>,
    #[prop(optional)] deployments: Vec<(i64, String)>,
) -> impl IntoView {
    let service = filter.service.clone().unwrap_or_default();
    let since = filter.since.clone().unwrap_or_default();
    let sort = filter.sort.clone().unwrap_or_default();
    let range = Some(filter.range.clone().unwrap_or_else(|| "24h".to_string()));
    view! {
        <section class="panel" aria-labelledby="error-filters-heading">
            <h2 id="error-filters-heading" class="visually-hidden">"Filter"</h2>
            <RangeFilter action="/errors" prefix="errors" range from=filter.from.clone() to=filter.to.clone()>
                <Field id="errors-service" name="service" label="Service" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        <option value="">"All services"</option>
                        {services.iter().map(|name| view! {
                            <option value=name.clone() selected=*name == service>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                } />
                <Choice id="errors-level" name="level" label="Level" any="Any level" options=&LEVELS chosen=filter.level.clone() />
                <Choice id="errors-state" name="state" label="State" any="Any state" options=&STATES chosen=filter.state.clone() />
                <Field id="errors-environment" name="environment" label="Environment" maxlength=200
                    value=filter.environment.clone().unwrap_or_default() />
                <Field id="errors-release" name="release" label="Release" maxlength=200
                    value=filter.release.clone().unwrap_or_default() />
                <Field id="errors-since" name="since" label="New since deployment" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        <option value="">"Any time"</option>
                        {deployments.iter().map(|(id, label)| view! {
                            <option value=id.to_string() selected=id.to_string() == since>{label.clone()}</option>
                        }).collect_view()}
                    </select>
                } />
                <Field id="errors-q" name="q" label="Title or culprit contains" kind="search" maxlength=200
                    value=filter.q.clone().unwrap_or_default() />
                <Field id="errors-sort" name="sort" label="Sort by" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        {IssueSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=sort == s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                } />
            </RangeFilter>
        </section>
    }
}

#[component]
fn Choice(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    any: &'static str,
    options: &'static [&'static str],
    chosen: Option<String>,
) -> impl IntoView {
    let chosen = chosen.unwrap_or_default();
    view! {
        <Field id name label control=move |m: FieldMarks| view! {
            <select id=m.id name=m.name>
                <option value="">{any}</option>
                {options.iter().map(|option| view! {
                    <option value=*option selected=chosen == *option>{*option}</option>
                }).collect_view()}
            </select>
        } />
    }
}
