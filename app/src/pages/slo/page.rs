//! `/slos/:id`: an SLO's budget (figures, chart, how it was computed), its
//! editor for admins and operators (with a confirmed delete), and its
//! versions.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::alerts::BurnAlerts;
use super::budget::BudgetPanel;
use super::editor::{SloEditor, refused_form};
use super::list::promise;
use super::versions::SloVersions;
use crate::components::form::FormError;
use crate::error::AppError;
use crate::slo::api::{DeleteSlo, get_slo};
use crate::slo::form::SloForm;
use crate::slo::views::SloDetail;

#[component]
pub fn SloPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|v| v.parse::<i64>().ok()));
    let page = Resource::new(
        move || id.get(),
        |id| async move { get_slo(id.ok_or(AppError::NotFound)?).await },
    );
    view! {
        <p class="breadcrumb"><a href="/slos">"SLOs"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Counting the budget…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(detail) => view! { <SloView detail /> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <Title text="SLO not found" /><h1>"SLO not found"</h1><p>"There is no such SLO; it may have been deleted."</p>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the SLO: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SloView(detail: SloDetail) -> impl IntoView {
    let slo = detail.row.slo.clone();
    let (typed, error) = refused_form();
    let form = typed.unwrap_or_else(|| SloForm::from_draft(&slo.draft));
    let can_edit = detail.can_edit;
    let versions = detail.versions.clone();
    let alerts = detail.alerts.clone();
    view! {
        <Title text=slo.draft.name.clone() />
        <h1>{slo.draft.name.clone()}</h1>
        <p class="lead" data-testid="slo-promise">{promise(&slo.draft)}{format!(" · version {}", slo.version)}</p>
        {(!slo.draft.description.is_empty()).then(|| view! { <p>{slo.draft.description.clone()}</p> })}
        {view! { <BudgetPanel detail /> }.into_any()}
        {if can_edit {
            view! {
                <section class="panel" aria-labelledby="edit-heading">
                    <h2 id="edit-heading">"Edit"</h2>
                    <SloEditor id=Some(slo.id) form error />
                    <DeleteButton id=slo.id />
                </section>
            }.into_any()
        } else {
            view! { <p class="hint" data-testid="slo-read-only">"Read only: your role can read this SLO but not change it."</p> }.into_any()
        }}
        {view! { <BurnAlerts alerts /> }.into_any()}
        <SloVersions id=slo.id current=slo.version versions can_edit />
    }
}

/// Delete, behind a confirmation.
#[component]
fn DeleteButton(id: i64) -> impl IntoView {
    let delete = ServerAction::<DeleteSlo>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if delete.value().get().is_some_and(|r| r.is_ok()) {
            let _ = window().location().set_href("/slos");
        }
    });
    view! {
        <details class="confirm">
            <summary>"Delete…"</summary>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=id.to_string() />
                <p>"Delete this SLO and its versions? This cannot be undone."</p>
                <button type="submit" class="danger">"Delete SLO"</button>
            </ActionForm>
        </details>
        <FormError error />
    }
}
