//! Finishing a started deployment from its row (a `<details>` that works
//! without JavaScript), and the outcome of the latest finish above the table.

use leptos::prelude::*;

use super::use_actions;
use crate::deployments::{Deployment, DeploymentStatus};
use crate::error::AppError;

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
    let status_id = format!("finish-status-{id}");
    let time_id = format!("finish-time-{id}");
    view! {
        <details class="confirm">
            <summary>"Finish"</summary>
            <div class="confirm-body">
                <ActionForm action>
                    <input type="hidden" name="deployment_id" value=id />
                    <div class="field">
                        <label for=status_id.clone()>{format!("Outcome of {} {}", deployment.service, deployment.version)}</label>
                        <select id=status_id name="status">
                            {DeploymentStatus::FINAL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=time_id.clone()>"Finished at (UTC)"</label>
                        <input id=time_id type="datetime-local" name="finished_at" />
                        <p class="hint">"Empty: now."</p>
                    </div>
                    <button type="submit" disabled=pending>{move || if pending() { "Saving…" } else { "Save outcome" }}</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}

/// What the latest Finish did (on the server, or after a plain form post:
/// the error it brought back in the URL).
#[component]
pub fn FinishNotice() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let outcome = move || {
        actions.finish.value().get().map(|result| match result {
            Ok(d) => view! {
                <p class="success" role="status">
                    {format!("{} {} is marked {}.", d.service, d.version, d.status.label().to_lowercase())}
                </p>
            }
            .into_any(),
            Err(error) => view! { <p class="error" role="alert">{error_text(error)}</p> }.into_any(),
        })
    };
    view! { <div class="deployment-notices" aria-live="polite">{outcome}</div> }.into_any()
}

fn error_text(error: AppError) -> String {
    match error {
        AppError::Validation { field, message } => match field.as_str() {
            "finished_at" => format!("Finished at {message}."),
            "status" => format!("Outcome {message}."),
            _ => format!("{field} {message}."),
        },
        AppError::NotFound => "That deployment no longer exists.".to_string(),
        other => other.to_string(),
    }
}
