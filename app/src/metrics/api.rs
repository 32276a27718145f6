//! The metrics pages' server functions: the Overview's service tiles and the
//! Performance page's report. Both need `ViewDashboards`; the report shows
//! deployment markers only to roles that may read deployment records.

use leptos::prelude::*;

use super::pages::{PerformanceQuery, PerformanceReport, ServiceTile};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;

/// Tiles for every service seen in the last day, coloured by the last
/// `OVERVIEW_WINDOW_MINUTES` minutes (read once for every viewer: `overview_reads`).
#[server(endpoint = "metrics/overview")]
pub async fn service_tiles() -> Result<Vec<ServiceTile>, AppError> {
    acting(Permission::ViewDashboards).await?;
    respond(crate::overview_data::service_tiles(&crate::state::app_state()?).await)
}

/// Series, key numbers and endpoint tables for one service and time range.
#[server(endpoint = "metrics/performance")]
pub async fn get_performance(
    // An empty query serialises to nothing at all; default it rather than fail.
    #[server(default)] query: PerformanceQuery,
) -> Result<PerformanceReport, AppError> {
    let caller = acting(Permission::ViewDashboards).await?;
    let now = chrono::Utc::now();
    let window = respond(query.window(now))?;
    let state = crate::state::app_state()?;
    let (with_deployments, with_traces) = (
        caller.may(Permission::ReadDeployments),
        caller.may(Permission::ReadTraces),
    );
    respond(super::ssr::performance::report(&state, &query, window, now, with_deployments, with_traces).await)
}
