//! Scrape targets' server functions (admins, `ManageScrapeTargets`): the
//! list, one target's page, save (add or change) and delete. No answer
//! ever holds a bearer token.

use leptos::prelude::*;

use super::targets::{ScrapeTarget, TargetDetail, TargetForm};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Every target with its last scrape.
#[server(endpoint = "scrape/targets")]
pub async fn get_scrape_targets() -> Result<Vec<ScrapeTarget>, AppError> {
    acting(Permission::ManageScrapeTargets).await?;
    let mut conn = app_state()?.connection("scrape: acquire").await?;
    respond(
        super::ssr::targets::list(&mut conn)
            .await
            .map_err(AppError::internal_in("scrape: list")),
    )
}

/// One target, its last scrape and the latest values of its series whose
/// name holds `series` (all when empty).
#[server(endpoint = "scrape/target")]
pub async fn get_scrape_target(id: i64, #[server(default)] series: String) -> Result<TargetDetail, AppError> {
    acting(Permission::ManageScrapeTargets).await?;
    let mut conn = app_state()?.connection("scrape: acquire").await?;
    let read = AppError::internal_in("scrape: read target");
    let target = respond(super::ssr::targets::load(&mut conn, id).await.map_err(&read))?.ok_or(AppError::NotFound)?;
    let (series, more_series) = respond(
        super::ssr::targets::series(&mut conn, &target, &series)
            .await
            .map_err(read),
    )?;
    Ok(TargetDetail {
        target,
        series,
        more_series,
    })
}

/// Adds a target (no `id`) or changes one; every field's problem at once.
#[server(endpoint = "scrape/target-save")]
pub async fn save_scrape_target(
    #[server(default)] id: Option<i64>,
    target: TargetForm,
) -> Result<ScrapeTarget, AppError> {
    let caller = acting(Permission::ManageScrapeTargets).await?;
    let draft = respond(super::ssr::targets::draft::Draft::parse(&target))?;
    let state = app_state()?;
    let change = caller.audited(&state, "scrape: begin").await?;
    respond(super::ssr::targets::save(change, &state, id, draft).await)
}

/// Deletes a target (after confirmation on the page); its samples stay.
#[server(endpoint = "scrape/target-delete")]
pub async fn delete_scrape_target(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::ManageScrapeTargets).await?;
    let change = caller.audited(&app_state()?, "scrape: begin").await?;
    respond(super::ssr::targets::delete(change, id).await)?;
    // Back to the list, with or without JavaScript (the page is gone).
    leptos_axum::redirect("/settings/scrape-targets");
    Ok(())
}
