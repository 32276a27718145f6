//! The Overview's count of new and regressed error issues per service
//! (`CountErrors`: managers too; counts only).

use leptos::prelude::*;

use super::tally::ServiceTally;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Services with new or regressed issues in the last `OVERVIEW_HOURS` hours
/// (read once for everyone who may: `overview_reads`).
#[server(endpoint = "errors/tallies")]
pub async fn issue_tallies() -> Result<Vec<ServiceTally>, AppError> {
    acting(Permission::CountErrors).await?;
    respond(crate::overview_data::issue_tallies(&app_state()?).await)
}
