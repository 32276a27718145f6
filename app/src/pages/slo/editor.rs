//! The SLO editor, `/slos/new` and on each SLO's page: one plain HTML form
//! posting to the save function, so it works without JavaScript; a refused
//! save comes back with every field as typed and each message beside it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::field::{Field, FieldMarks, choices};
use crate::components::form::{FormError, TextArea, errors_from_query};
use crate::error::AppError;
use crate::slo::form::SloForm;
use crate::slo::{LATENCY_BOUND, SloKind, SloWindow};

/// What the URL carries after a refused save: the form as typed and the errors.
pub fn refused_form() -> (Option<SloForm>, Option<AppError>) {
    let query = use_query_map();
    let q = query.read_untracked();
    (SloForm::from_query(|k| q.get(k)), errors_from_query(&q))
}

#[component]
pub fn NewSlo() -> impl IntoView {
    let (form, error) = refused_form();
    view! {
        <Title text="New SLO" />
        <p class="breadcrumb"><a href="/slos">"SLOs"</a>" › New"</p>
        <h1>"New SLO"</h1>
        <SloEditor id=None form=form.unwrap_or_else(SloForm::blank) error />
    }
}

fn name(field: &str) -> String {
    format!("slo[{field}]")
}

#[component]
pub fn SloEditor(id: Option<i64>, form: SloForm, error: Option<AppError>) -> impl IntoView {
    let error = Signal::stored(error);
    let text = move |field: &'static str, label: &'static str, value: String, hint: String| {
        view! {
            <Field id=format!("slo-{field}") name=field posted_as=name(field) label error hint
                control=move |m: FieldMarks| view! {
                    <input id=m.id type="text" name=m.name value=value autocomplete="off"
                        aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
                } />
        }
        .into_any()
    };
    let choice = move |field: &'static str,
                       label: &'static str,
                       chosen: String,
                       options: Vec<(&'static str, &'static str)>| {
        view! { <Field id=format!("slo-{field}") name=field posted_as=name(field) label error control=choices(options, Some(chosen)) /> }
            .into_any()
    };
    let kinds = SloKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    let windows = SloWindow::ALL.iter().map(|w| (w.as_str(), w.label())).collect();
    let bound = crate::alerts::rule::format_value(LATENCY_BOUND * 100.0);
    let description = form.description.clone();
    view! {
        <form method="post" action="/api/slos/save" class="panel rule-form" data-testid="slo-form">
            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            <fieldset>
                <legend>"SLO"</legend>
                <div class="filter-grid">
                    {text("name", "Name", form.name.clone(), String::new())}
                    {text("service", "Service", form.service.clone(), String::new())}
                    {text("endpoint", "Endpoint", form.endpoint.clone(), "One endpoint, or empty for the whole service.".into())}
                </div>
                <Field id="slo-description" name="description" posted_as=name("description") label="Description" error
                    control=move |m: FieldMarks| view! { <TextArea id=m.id name=m.name value=description.clone() /> } />
            </fieldset>
            <fieldset>
                <legend>"What counts as good"</legend>
                <div class="filter-grid">
                    {choice("kind", "Kind", form.kind.clone(), kinds)}
                    {text("good_statuses", "Good statuses (availability)", form.good_statuses.clone(),
                        "Empty: every response that is not 5xx. Or statuses and ranges, e.g. 200-399, 404 (counted from the raw request events, so the window must fit their retention).".into())}
                    {text("threshold_ms", "Threshold in ms (latency)", form.threshold_ms.clone(),
                        format!("Requests at most this long are good, read from the latency histograms: a request up to {bound} % slower may count as good."))}
                </div>
            </fieldset>
            <fieldset>
                <legend>"Objective"</legend>
                <div class="filter-grid">
                    {text("objective", "Objective (%)", form.objective.clone(), "Between 0 and 100, e.g. 99.9.".into())}
                    {choice("window", "Window", form.window.clone(), windows)}
                </div>
            </fieldset>
            <FormError error />
            <div class="filter-buttons">
                <button type="submit" class="primary">"Save SLO"</button>
            </div>
        </form>
    }
}
