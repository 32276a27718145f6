//! Notification channels' server functions (admins: `ManageChannels`). Every
//! change is audited (`ssr::manage_channels`).

use leptos::prelude::*;

use super::notify::{Attempt, Channel, ChannelForm, SavedChannel};
#[cfg(feature = "ssr")]
use super::ssr::{channels, manage_channels};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

#[server(endpoint = "alerts/channels")]
pub async fn list_channels() -> Result<Vec<Channel>, AppError> {
    acting(Permission::ManageChannels).await?;
    let state = app_state()?;
    let mut conn = state.connection("channels: acquire").await?;
    let channels = channels::list(&mut conn, &state.secrets).await;
    respond(channels.map_err(AppError::internal_in("channels: list")))
}

/// Creates (`id` empty) or updates a channel; a new channel's secret is answered once.
#[server(endpoint = "alerts/channel-save")]
pub async fn save_channel(#[server(default)] id: Option<i64>, channel: ChannelForm) -> Result<SavedChannel, AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let draft = respond(channel.parse())?;
    let state = app_state()?;
    let change = caller.audited(&state, "channels: begin").await?;
    respond(manage_channels::save(change, &state.secrets, id, draft).await)
}

/// Replaces a channel's signing secret; answers the new one (shown once).
#[server(endpoint = "alerts/channel-rotate")]
pub async fn rotate_channel_secret(id: i64) -> Result<SavedChannel, AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let state = app_state()?;
    let change = caller.audited(&state, "channels: begin").await?;
    respond(manage_channels::rotate(change, &state.secrets, id).await)
}

#[server(endpoint = "alerts/channel-delete")]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let change = caller.audited(&app_state()?, "channels: begin").await?;
    respond(manage_channels::delete(change, id).await)
}

/// Sends a test notification now and answers how it went (it is in the
/// channel's delivery log too).
#[server(endpoint = "alerts/channel-test")]
pub async fn test_channel(id: i64) -> Result<Attempt, AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let state = app_state()?;
    let mut conn = state.connection("channels: acquire").await?;
    respond(manage_channels::test(&mut conn, &state.audit_key, &state.notify, &caller, id).await)
}
