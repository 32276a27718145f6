//! Finishing a started deployment from its row (a `<details>` that works
//! without JavaScript), and the outcome of the latest finish above the table.
//!
//! A Finish refused beside its fields (a finish time in the future or before
//! the start) keeps its row's form open with each message beside its field
//! and the values as typed: with JavaScript the table is not reloaded after
//! it; without, the form is refilled from the URL the refused post came
//! back to (`row_form`). Other refusals (the deployment finished meanwhile,
//! or is gone) are told above the table, which reloads.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::use_actions;
use crate::components::field::{Field, choices};
use crate::components::row_form::{focus_on_error, refusal_of, row_error_id, typed_in_row};
use crate::deployments::{Deployment, DeploymentStatus, FinishDeployment};
use crate::error::AppError;

/// Whether `error` is shown beside the Finish form's fields.
pub fn is_field_error(error: &AppError) -> bool {
    matches!(error, AppError::Validation { .. } | AppError::Fields(_))
}

#[component]
pub fn FinishForm(deployment: Deployment) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.finish;
    let id = deployment.id;
    let pending = move || {
        action.pending().get()
            && action
                .input()
                .with(|input| input.as_ref().is_some_and(|input| input.deployment_id == id))
    };
    let refused = refusal_of(action, actions.finish_row, id);
    let error = Signal::derive(move || refused.get().filter(is_field_error));
    let status_id = format!("finish-status-{id}");
    let time_id = format!("finish-time-{id}");
    focus_on_error(error, move |field| match field {
        "status" => format!("finish-status-{id}"),
        _ => format!("finish-time-{id}"),
    });
    let typed = typed_in_row(FinishDeployment::PATH, "deployment_id", id);
    let status = typed.get("status");
    let at_load = error.get_untracked();
    view! {
        <details class="confirm" open=at_load.is_some()>
            <summary>"Finish"</summary>
            <div class="confirm-body">
                <ActionForm action>
                    <input type="hidden" name="deployment_id" value=id />
                    <Field id=status_id name="status" error error_id=row_error_id("status", id)
                        label=format!("Outcome of {} {}", deployment.service, deployment.version)
                        control=choices(DeploymentStatus::FINAL.into_iter().map(|s| (s.as_str(), s.label())).collect(), status) />
                    <Field id=time_id name="finished_at" label="Finished at (UTC)" error kind="datetime-local"
                        error_id=row_error_id("finished_at", id) value=typed.value("finished_at") hint="Empty: now." />
                    <button type="submit" disabled=pending>{move || if pending() { "Saving…" } else { "Save outcome" }}</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}

/// What the latest Finish did (on the server, or after a plain form post:
/// the error it brought back in the URL), unless its form shows the error.
#[component]
pub fn FinishNotice() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let outcome = move || {
        actions.finish.value().get().and_then(|result| match result {
            Ok(d) => Some(
                view! {
                    <p class="success" role="status">
                        {format!("{} {} is marked {}.", d.service, d.version, d.status.label().to_lowercase())}
                    </p>
                }
                .into_any(),
            ),
            Err(error) if is_field_error(&error) => None,
            Err(error) => Some(view! { <p class="error" role="alert">{error_text(error)}</p> }.into_any()),
        })
    };
    view! { <div class="deployment-notices" aria-live="polite">{outcome}</div> }.into_any()
}

fn error_text(error: AppError) -> String {
    match error {
        AppError::NotFound => "That deployment no longer exists.".to_string(),
        other => other.to_string(),
    }
}
