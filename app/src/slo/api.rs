//! The SLO pages' server functions. Reading needs `ReadSlos`; every change
//! needs `ManageSlos` and is audited in the same transaction (`ssr::manage`).

use leptos::prelude::*;

use super::form::SloForm;
#[cfg(feature = "ssr")]
use super::ssr::{import, manage, reading};
use super::views::{ImportCounts, SloDetail, SloList, SloRow};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

/// Every SLO with its budget now, and whether the caller may change them.
#[server(endpoint = "slos/list")]
pub async fn list_slos() -> Result<SloList, AppError> {
    let caller = acting(Permission::ReadSlos).await?;
    let mut conn = app_state()?.connection("slos: acquire").await?;
    let rows = reading::rows(&mut conn, chrono::Utc::now()).await;
    respond(rows.map(|rows| SloList {
        rows,
        can_edit: caller.may(Permission::ManageSlos),
    }))
}

/// Every SLO with its budget now (the Overview's strip).
#[server(endpoint = "slos/strip")]
pub async fn slo_strip() -> Result<Vec<SloRow>, AppError> {
    acting(Permission::ReadSlos).await?;
    let mut conn = app_state()?.connection("slos: acquire").await?;
    respond(reading::rows(&mut conn, chrono::Utc::now()).await)
}

#[server(endpoint = "slos/get")]
pub async fn get_slo(id: i64) -> Result<SloDetail, AppError> {
    let caller = acting(Permission::ReadSlos).await?;
    let mut conn = app_state()?.connection("slos: acquire").await?;
    let can_edit = caller.may(Permission::ManageSlos);
    respond(reading::detail(&mut conn, id, chrono::Utc::now(), can_edit).await)
}

/// Creates (`id` empty) or updates an SLO; answers its id. A plain form
/// post is redirected to the SLO's page, or when refused back to the
/// editor with every field as typed (answered `0`: nothing saved).
#[server(endpoint = "slos/save")]
pub async fn save_slo(#[server(default)] id: Option<i64>, slo: SloForm) -> Result<i64, AppError> {
    let caller = acting(Permission::ManageSlos).await?;
    manage::save_from_editor(&app_state()?, &caller, id, &slo).await
}

/// Deletes an SLO and its versions; a plain form post goes to the list.
#[server(endpoint = "slos/delete")]
pub async fn delete_slo(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::ManageSlos).await?;
    let change = caller.audited(&app_state()?, "slos: begin").await?;
    respond(manage::delete(change, id).await)?;
    crate::error::redirect_on_success("/slos", ());
    Ok(())
}

/// Saves an old version's definition as the SLO's newest version.
#[server(endpoint = "slos/restore")]
pub async fn restore_slo_version(id: i64, version: i32) -> Result<i64, AppError> {
    let caller = acting(Permission::ManageSlos).await?;
    let state = app_state()?;
    let change = caller.audited(&state, "slos: begin").await?;
    respond(manage::restore(change, id, version, manage::retention(&state)).await)
}

/// Every SLO as one YAML file (OpenSLO-like field names).
#[server(endpoint = "slos/export")]
pub async fn export_slos() -> Result<String, AppError> {
    acting(Permission::ReadSlos).await?;
    let mut conn = app_state()?.connection("slos: acquire").await?;
    respond(import::export(&mut conn).await)
}

/// Creates and updates SLOs from a YAML file, all or nothing. A plain form
/// post goes back to `/slos/files` with the counts or the problem.
#[server(endpoint = "slos/import")]
pub async fn import_slos(yaml: String) -> Result<ImportCounts, AppError> {
    let caller = acting(Permission::ManageSlos).await?;
    let state = app_state()?;
    let change = caller.audited(&state, "slos: begin").await?;
    let result = import::apply(change, &yaml, manage::retention(&state)).await;
    respond(crate::alerts::ssr::form_post::show_outcome(
        result,
        "/slos/files",
        import::outcome_query,
    ))
}
