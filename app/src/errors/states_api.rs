//! Triage's server functions: an issue's state and timeline (`ReadErrors`),
//! and changing the state of the issues a form names (`TriageErrors`:
//! admins, operators, support), from the Issue page or the Errors page's
//! bulk actions.

use leptos::prelude::*;

use super::states::{IssueTriage, StateOutcome};
#[cfg(feature = "ssr")]
use super::{ssr, states};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// One issue's state in words and its timeline.
#[server(endpoint = "errors/issue-triage")]
pub async fn get_issue_triage(issue_id: i64) -> Result<IssueTriage, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ReadErrors).await?;
            ssr::timeline::triage(&app_state()?, issue_id).await
        }
        .await,
    )
}

/// Resolves, ignores or unresolves the issues `issue_ids` (form fields
/// `issue_ids[]`); `release`, `duration` and `count` as `change` needs them.
#[server(endpoint = "errors/set-state")]
pub async fn set_issue_state(
    issue_ids: Option<Vec<String>>,
    change: String,
    release: Option<String>,
    duration: Option<String>,
    count: Option<String>,
) -> Result<StateOutcome, AppError> {
    respond(
        async {
            let caller = acting(Permission::TriageErrors).await?;
            let ids = states::parse_ids(issue_ids.as_deref())?;
            let change =
                states::StateChange::parse(&change, release.as_deref(), duration.as_deref(), count.as_deref())?;
            ssr::states::set(&app_state()?, &caller, &ids, &change).await
        }
        .await,
    )
}
