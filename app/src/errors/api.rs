//! The Errors and Issue pages' server functions (`ReadErrors`: admins,
//! operators, support). Each authorises, parses, then calls `ssr`.

use leptos::prelude::*;

use super::issue::IssueDetail;
use super::issues::{IssueFilter, IssueListing};
#[cfg(feature = "ssr")]
use super::ssr;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Issues of the filter's service and range, one page.
#[server(endpoint = "errors/issues")]
pub async fn list_issues(#[server(default)] filter: IssueFilter) -> Result<IssueListing, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ReadErrors).await?;
            let query = filter.parse(chrono::Utc::now())?;
            ssr::list::issues(&app_state()?, &query).await
        }
        .await,
    )
}

/// One issue with its latest event.
#[server(endpoint = "errors/issue")]
pub async fn get_issue(issue_id: i64) -> Result<IssueDetail, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ReadErrors).await?;
            ssr::detail::issue(&app_state()?, issue_id).await
        }
        .await,
    )
}
