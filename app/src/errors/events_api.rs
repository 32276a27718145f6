//! The Issue page's events server function (`ReadErrors`).

use leptos::prelude::*;

use super::events::IssueEvents;
#[cfg(feature = "ssr")]
use super::events::IssueEventsFilter;
#[cfg(feature = "ssr")]
use super::ssr;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// The chosen event, a page of the issue's events, where it was seen and
/// its occurrences over the range (`IssueEventsFilter`'s fields, flat: a
/// filter with every field empty would otherwise post no `filter` at all).
#[server(endpoint = "errors/issue-events")]
pub async fn get_issue_events(
    issue_id: i64,
    event: Option<String>,
    before: Option<String>,
    range: Option<String>,
) -> Result<IssueEvents, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ReadErrors).await?;
            let query = IssueEventsFilter { event, before, range }.parse(chrono::Utc::now())?;
            ssr::events::events(&app_state()?, issue_id, &query).await
        }
        .await,
    )
}
