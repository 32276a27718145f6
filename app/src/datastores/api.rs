//! The data stores' server functions: the page's numbers, charts and
//! status (`ViewDataStores`: admins, operators, managers) and what runs on
//! the stores now, query text included (`InspectDataStores`: admins and
//! operators).

use leptos::prelude::*;

use super::targets::DataStoreTarget;
use super::view::{Activity, DataStores};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
use crate::metrics::window::RangeQuery;

/// Each store's status, key numbers and charts over the range.
#[server(endpoint = "datastores/overview")]
pub async fn get_data_stores(#[server(default)] query: RangeQuery) -> Result<DataStores, AppError> {
    acting(Permission::ViewDataStores).await?;
    let window = crate::error::respond(query.window(chrono::Utc::now()))?;
    let state = crate::state::app_state()?;
    let mut conn = state.connection("data stores: acquire").await?;
    crate::error::respond(super::ssr::view::data_stores(&mut conn, &window).await)
}

/// Postgres's sessions and Redis's slow log, now.
#[server(endpoint = "datastores/activity")]
pub async fn get_data_store_activity() -> Result<Activity, AppError> {
    acting(Permission::InspectDataStores).await?;
    let state = crate::state::app_state()?;
    Ok(super::ssr::activity::activity(&state.db, &state.redis).await)
}

/// The added data stores' tiles (the Overview shows them).
#[server(endpoint = "datastores/tiles")]
pub async fn get_data_store_tiles() -> Result<Vec<DataStoreTarget>, AppError> {
    acting(Permission::ViewDataStores).await?;
    let state = crate::state::app_state()?;
    let mut conn = state.connection("data stores: acquire").await?;
    crate::error::respond(super::ssr::view::tiles(&mut conn).await)
}
