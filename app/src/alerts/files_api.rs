//! The import page's server functions; all need `EditAlertRules`. Exports
//! are an HTTP route (`GET /api/v1/alerts/rules.yaml`), since a browser
//! downloads them; so is the page's upload (`POST /api/v1/alerts/import`,
//! server/src/http/rule_import.rs), since a file comes as multipart form data.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::files::outcome_query;
use super::files::{ImportCounts, ImportPlan, PostedImport};
#[cfg(feature = "ssr")]
use super::ssr::{form_post, import, import_drafts};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

/// What importing `yaml` would do: creates, updates (with old and new
/// values), unchanged rules, stored rules the file leaves alone, and every
/// problem. Writes nothing.
#[server(endpoint = "alerts/import-preview")]
pub async fn preview_import(yaml: String) -> Result<ImportPlan, AppError> {
    acting(Permission::EditAlertRules).await?;
    let mut conn = app_state()?.connection("alerts: acquire").await?;
    respond(import::preview(&mut conn, &yaml).await)
}

/// The file posted to the import page as `draft` (see
/// `alerts::ssr::import_drafts`) and its plan; `NotFound` once it expired.
#[server(endpoint = "alerts/import-draft")]
pub async fn import_draft(draft: String) -> Result<PostedImport, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let state = app_state()?;
    let yaml = respond(import_drafts::load(&state.redis, caller.id(), &draft).await)?;
    let mut conn = state.connection("alerts: acquire").await?;
    let plan = import::preview(&mut conn, &yaml).await;
    respond(plan.map(|plan| PostedImport { yaml, plan }))
}

/// Imports the file posted as `draft`, as [`apply_import`] does.
#[server(endpoint = "alerts/import-apply-draft")]
pub async fn apply_import_draft(draft: String) -> Result<ImportCounts, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let state = app_state()?;
    let yaml = respond(import_drafts::load_to_apply(&state.redis, caller.id(), &draft).await)?;
    apply_import(yaml).await
}

/// Imports `yaml`: every create and update in one transaction, or nothing.
/// A plain form post is redirected to the import page with the counts.
#[server(endpoint = "alerts/import-apply")]
pub async fn apply_import(yaml: String) -> Result<ImportCounts, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let state = app_state()?;
    let applied = match caller.audited(&state, "alerts: begin").await {
        Ok(change) => import::apply(change, &yaml).await,
        Err(error) => Err(error),
    };
    respond(form_post::show_outcome(applied, "/alerts/rules/import", outcome_query))
}
