//! The Overview's count of new and regressed error issues per service
//! (`CountErrors`: managers too; counts only).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;
#[cfg(feature = "ssr")]
use super::tally::OVERVIEW_HOURS;
use super::tally::ServiceTally;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Services with new or regressed issues in the last [`OVERVIEW_HOURS`] hours.
#[server(endpoint = "errors/tallies")]
pub async fn issue_tallies() -> Result<Vec<ServiceTally>, AppError> {
    respond(
        async {
            let _caller = acting(Permission::CountErrors).await?;
            let state = app_state()?;
            let mut conn = state.connection("errors: acquire").await?;
            let since = chrono::Utc::now() - chrono::Duration::hours(OVERVIEW_HOURS);
            let tallies = ssr::tally::per_service(&mut conn, since).await;
            tallies.map_err(|e| AppError::internal("errors: tally", e))
        }
        .await,
    )
}
