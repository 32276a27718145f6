//! The health server functions: the live checks for the Overview and the
//! checks' history for the Health page. Both need `ViewDashboards`.

use leptos::prelude::*;

use super::HealthSnapshot;
use super::history::{HealthHistory, HealthQuery};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;

/// The live checks, run at most every `overview_reads::HEALTH_FRESH` for
/// everyone. Readable by anyone who can see the Overview.
#[server(endpoint = "health/snapshot")]
pub async fn check_health() -> Result<HealthSnapshot, AppError> {
    acting(Permission::ViewDashboards).await?;
    crate::error::respond(crate::overview_data::health(&crate::state::app_state()?).await)
}

/// Response-time series and incidents of Postgres and Redis over a range.
#[server(endpoint = "health/history")]
pub async fn get_health_history(#[server(default)] query: HealthQuery) -> Result<HealthHistory, AppError> {
    acting(Permission::ViewDashboards).await?;
    let now = chrono::Utc::now();
    let window = crate::error::respond(crate::metrics::window::window_for(
        &query.range,
        &query.from,
        &query.to,
        now,
    ))?;
    let state = crate::state::app_state()?;
    let mut conn = state.connection("health history: acquire").await?;
    let history = super::ssr::history::health_history(&mut conn, &window, state.health().degraded_after).await;
    crate::error::respond(history)
}
