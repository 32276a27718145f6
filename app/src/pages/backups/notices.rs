//! The outcome of the latest button on the Backups pages, in words.

use leptos::prelude::*;

use super::use_actions;
use crate::backups::CheckOutcome;
use crate::error::AppError;

#[component]
pub fn Notices() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let run = move || {
        actions
            .run
            .value()
            .get()
            .map(|result| notice(result.map(|run| format!("Backup #{} of {} started.", run.id, run.target_name))))
    };
    let verify = move || {
        actions.verify.value().get().map(|result| {
            notice(result.map(|check| match check.outcome {
                Some(CheckOutcome::Pass) => format!("Backup #{} verified: checksum and contents match.", check.run_id),
                _ => format!("Backup #{} failed verification; see its evidence.", check.run_id),
            }))
        })
    };
    let restore_test = move || {
        actions
            .restore_test
            .value()
            .get()
            .map(|result| notice(result.map(|check| format!("Restore test of backup #{} started.", check.run_id))))
    };
    let restore_into = move || {
        actions.restore_into.value().get().map(|result| {
            notice(result.map(|check| {
                format!(
                    "Restoring backup #{} into the new database {}.",
                    check.run_id,
                    check.evidence.database.unwrap_or_default()
                )
            }))
        })
    };
    let saved = move || {
        actions
            .save_target
            .value()
            .get()
            .and_then(|result| result.ok())
            .map(|target| notice(Ok(format!("Target {} saved.", target.name))))
    };
    let deleted = move || {
        actions
            .delete_target
            .value()
            .get()
            .map(|result| notice(result.map(|()| "Target deleted.".to_string())))
    };
    view! { <div class="user-notices" aria-live="polite">{run}{verify}{restore_test}{restore_into}{saved}{deleted}</div> }
        .into_any()
}

fn notice(result: Result<String, AppError>) -> AnyView {
    match result {
        Ok(message) => view! { <p class="success" role="status">{message}</p> }.into_any(),
        Err(AppError::Validation { message, .. }) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Err(AppError::NotFound) => {
            view! { <p class="error" role="alert">"That backup or target no longer exists."</p> }.into_any()
        }
        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
