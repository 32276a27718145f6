//! Merge and unmerge's server functions (`TriageErrors`: admins, operators,
//! support). Each answers the issue to show next; after a plain form post
//! (no JavaScript) the browser is sent there.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::merge::{issue_number, issue_numbers, ticked_merge};
#[cfg(feature = "ssr")]
use super::ssr;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Merges `issues` (numbers separated by commas or spaces) into `into`:
/// their hashes, events and counts move there, and later events follow.
#[server(endpoint = "errors/merge")]
pub async fn merge_issues(into: String, issues: String) -> Result<i64, AppError> {
    respond(
        async {
            let caller = acting(Permission::TriageErrors).await?;
            let into = issue_number("into", &into)?;
            let sources = issue_numbers(&issues, into)?;
            let merged = ssr::merge::merge(&app_state()?, caller.actor, caller.client, into, &sources).await?;
            Ok(ssr::triage::go_to_issue(merged))
        }
        .await,
    )
}

/// Merges the issues ticked on the Errors page (`issue_ids[]`) into one:
/// the issue numbered `into`, or when that is empty the oldest ticked.
#[server(endpoint = "errors/merge-ticked")]
pub async fn merge_ticked(issue_ids: Option<Vec<String>>, into: Option<String>) -> Result<i64, AppError> {
    respond(
        async {
            let caller = acting(Permission::TriageErrors).await?;
            let (into, sources) = ticked_merge(issue_ids.as_deref(), into.as_deref())?;
            let merged = ssr::merge::merge(&app_state()?, caller.actor, caller.client, into, &sources).await?;
            Ok(ssr::triage::go_to_issue(merged))
        }
        .await,
    )
}

/// Moves `hash` out of issue `issue_id` with its events and counts, back
/// into the issue it came from or a new one; later events follow it there.
#[server(endpoint = "errors/unmerge")]
pub async fn unmerge_hash(issue_id: i64, hash: String) -> Result<i64, AppError> {
    respond(
        async {
            let caller = acting(Permission::TriageErrors).await?;
            let split = ssr::unmerge::unmerge(&app_state()?, caller.actor, caller.client, issue_id, &hash).await?;
            Ok(ssr::triage::go_to_issue(split))
        }
        .await,
    )
}
