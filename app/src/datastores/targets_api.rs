//! The monitored targets' server functions: managing them (admins,
//! `ManageDataStores`: list, add by URL or from a backup target, switch on
//! or off, change the interval, delete, test a connection) and one
//! target's page (`ViewDataStores`). No answer ever holds a URL.

use leptos::prelude::*;

use super::targets::{DataStoreTarget, TargetsAdmin};
use super::view::TargetPage;
#[cfg(feature = "ssr")]
use super::{
    ssr::targets::{self as ssr, manage},
    targets::{DEFAULT_INTERVAL_SECS, parse_interval},
};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
use crate::metrics::window::RangeQuery;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// The targets and the backup targets one click turns into a target.
#[server(endpoint = "datastores/targets")]
pub async fn get_data_store_targets() -> Result<TargetsAdmin, AppError> {
    acting(Permission::ManageDataStores).await?;
    let mut conn = app_state()?.connection("datastores: acquire").await?;
    respond(ssr::admin_list(&mut conn).await)
}

/// Adds a Postgres (`postgres://`) or Redis (`redis://`, `rediss://`) by URL.
#[server(endpoint = "datastores/target-add")]
pub async fn add_data_store_target(
    #[server(default)] name: String,
    #[server(default)] connection_url: String,
    #[server(default)] interval_secs: String,
) -> Result<DataStoreTarget, AppError> {
    let caller = acting(Permission::ManageDataStores).await?;
    let draft = respond(manage::Draft::parse(&name, &connection_url, &interval_secs))?;
    let state = app_state()?;
    let change = caller.audited(&state, "datastores: begin").await?;
    respond(manage::add(change, &state, draft).await)
}

/// Watches the Postgres a backup target backs up, with its stored connection.
#[server(endpoint = "datastores/target-from-backup")]
pub async fn add_data_store_from_backup(backup_target_id: i64) -> Result<DataStoreTarget, AppError> {
    let caller = acting(Permission::ManageDataStores).await?;
    let state = app_state()?;
    let change = caller.audited(&state, "datastores: begin").await?;
    respond(manage::add_from_backup(change, &state, backup_target_id, DEFAULT_INTERVAL_SECS).await)
}

/// Switches a target on or off.
#[server(endpoint = "datastores/target-enabled")]
pub async fn set_data_store_target_enabled(target_id: i64, enabled: bool) -> Result<DataStoreTarget, AppError> {
    let caller = acting(Permission::ManageDataStores).await?;
    let change = caller.audited(&app_state()?, "datastores: begin").await?;
    respond(manage::update(change, target_id, Some(enabled), None).await)
}

/// Changes how often a target is read (10 to 3600 s).
#[server(endpoint = "datastores/target-interval")]
pub async fn set_data_store_target_interval(
    target_id: i64,
    #[server(default)] interval_secs: String,
) -> Result<DataStoreTarget, AppError> {
    let caller = acting(Permission::ManageDataStores).await?;
    let secs = respond(parse_interval(&interval_secs))?;
    let change = caller.audited(&app_state()?, "datastores: begin").await?;
    respond(manage::update(change, target_id, None, Some(secs)).await)
}

/// Deletes a target (after confirmation on the page).
#[server(endpoint = "datastores/target-delete")]
pub async fn delete_data_store_target(target_id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::ManageDataStores).await?;
    let change = caller.audited(&app_state()?, "datastores: begin").await?;
    respond(manage::delete(change, target_id).await)
}

/// "Test connection" of a typed URL: what it found, or what failed
/// (refused beside the URL field).
#[server(endpoint = "datastores/test-connection")]
pub async fn test_data_store_connection(#[server(default)] connection_url: String) -> Result<String, AppError> {
    acting(Permission::ManageDataStores).await?;
    let url = respond(ssr::url::TargetUrl::parse(&connection_url))?;
    respond(manage::test_typed(&url).await).map(ssr::tested)
}

/// "Test connection" of a saved target.
#[server(endpoint = "datastores/target-test")]
pub async fn test_data_store_target(target_id: i64) -> Result<String, AppError> {
    acting(Permission::ManageDataStores).await?;
    respond(manage::test_saved(&app_state()?, target_id).await).map(ssr::tested)
}

/// One target's status, numbers and charts over the range.
#[server(endpoint = "datastores/target")]
pub async fn get_data_store_target(
    target_id: i64,
    #[server(default)] query: RangeQuery,
) -> Result<TargetPage, AppError> {
    acting(Permission::ViewDataStores).await?;
    let window = respond(query.window(chrono::Utc::now()))?;
    let mut conn = app_state()?.connection("datastores: acquire").await?;
    respond(super::ssr::view::target_page(&mut conn, target_id, &window).await)
}
