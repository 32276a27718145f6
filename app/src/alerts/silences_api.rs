//! The Silences page's server functions. Listing needs `ReadAlerts`;
//! creating and ending need `EditAlertRules` and are audited in the same
//! transaction as the change (`ssr::manage_silences`).

#[cfg(feature = "ssr")]
use chrono::Utc;
use leptos::prelude::*;

use super::silence::SilencesPage;
use super::silence_form::SilenceForm;
#[cfg(feature = "ssr")]
use super::ssr::{form_post, manage_silences};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

#[server(endpoint = "alerts/silences")]
pub async fn list_silences() -> Result<SilencesPage, AppError> {
    let caller = acting(Permission::ReadAlerts).await?;
    let mut conn = app_state()?.connection("silences: acquire").await?;
    respond(manage_silences::page(&mut conn, Utc::now(), caller.role()).await)
}

/// Creates a silence; answers its id. A plain form post is redirected to the
/// Silences page (on a mistake with every field as typed and the message
/// beside its field, answered `0`: nothing created).
#[server(endpoint = "alerts/silence-create")]
pub async fn create_silence(silence: SilenceForm) -> Result<i64, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    manage_silences::create_from_form(&app_state()?, &caller, &silence).await
}

/// Ends a silence now: matching alerts send again.
#[server(endpoint = "alerts/silence-end")]
pub async fn end_silence(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let change = caller.audited(&app_state()?, "silences: begin").await?;
    respond(manage_silences::end(change, id, Utc::now()).await)?;
    form_post::redirect_on_success("/alerts/silences", ());
    Ok(())
}
