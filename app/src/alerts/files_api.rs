//! The import page's server functions; all need `EditAlertRules`. Exports
//! are an HTTP route (`GET /api/v1/alerts/rules.yaml`), since a browser
//! downloads them; so is the page's upload (`POST /api/v1/alerts/import`,
//! server/src/http/rule_import.rs), since a file comes as multipart form data.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::files::{ImportCounts, ImportPlan};
use crate::error::AppError;

/// What importing `yaml` would do: creates, updates (with old and new
/// values), unchanged rules, stored rules the file leaves alone, and every
/// problem. Writes nothing.
#[server(endpoint = "alerts/import-preview")]
pub async fn preview_import(yaml: String) -> Result<ImportPlan, AppError> {
    crate::error::respond(ssr::preview(yaml).await)
}

/// A posted rules file and what importing it would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostedImport {
    pub yaml: String,
    pub plan: ImportPlan,
}

/// The file posted to the import page as `draft` (see
/// `alerts::ssr::import_drafts`) and its plan; `NotFound` once it expired.
#[server(endpoint = "alerts/import-draft")]
pub async fn import_draft(draft: String) -> Result<PostedImport, AppError> {
    crate::error::respond(ssr::draft(draft).await)
}

/// Imports the file posted as `draft`, as [`apply_import`] does.
#[server(endpoint = "alerts/import-apply-draft")]
pub async fn apply_import_draft(draft: String) -> Result<ImportCounts, AppError> {
    crate::error::respond(ssr::apply_draft(draft).await)
}

/// Why a posted file is gone.
pub const EXPIRED: &str = "This file was posted more than an hour ago: paste or upload it again";

/// What to tell someone whose import failed (a field's name adds nothing here).
pub fn failure(error: &AppError) -> String {
    match error {
        AppError::Validation { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Imports `yaml`: every create and update in one transaction, or nothing.
/// A plain form post is redirected to the import page with the counts.
#[server(endpoint = "alerts/import-apply")]
pub async fn apply_import(yaml: String) -> Result<ImportCounts, AppError> {
    crate::error::respond(ssr::apply(yaml).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::alerts::ssr::{import, import_drafts};
    use crate::auth::permissions::Permission;
    use crate::error::is_plain_form_post;
    use crate::state::app_state;
    use crate::url::percent_encode;

    pub async fn preview(yaml: String) -> Result<ImportPlan, AppError> {
        crate::auth::ssr::acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        import::preview(&mut conn, &yaml).await
    }

    pub async fn draft(draft: String) -> Result<PostedImport, AppError> {
        let user = crate::auth::ssr::acting(Permission::EditAlertRules).await?.user;
        let state = app_state()?;
        let yaml = import_drafts::load(&state, user.id, &draft).await?;
        let mut conn = state.connection("alerts: acquire").await?;
        let plan = import::preview(&mut conn, &yaml).await?;
        Ok(PostedImport { yaml, plan })
    }

    pub async fn apply_draft(draft: String) -> Result<ImportCounts, AppError> {
        let user = crate::auth::ssr::acting(Permission::EditAlertRules).await?.user;
        let state = app_state()?;
        let yaml = import_drafts::load(&state, user.id, &draft)
            .await
            .map_err(|error| match error {
                AppError::NotFound => AppError::validation("draft", EXPIRED),
                other => other,
            })?;
        apply(yaml).await
    }

    pub async fn apply(yaml: String) -> Result<ImportCounts, AppError> {
        let acting = crate::auth::ssr::acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let result = import::apply(&state, acting.actor, acting.client, &yaml).await;
        if is_plain_form_post() {
            // Without JavaScript the page shows what happened from its URL.
            let query = match &result {
                Ok(counts) => format!(
                    "created={}&updated={}&unchanged={}",
                    counts.created, counts.updated, counts.unchanged
                ),
                Err(error) => format!("error={}", percent_encode(&failure(error))),
            };
            leptos_axum::redirect(&format!("/alerts/rules/import?{query}"));
            return Ok(result.unwrap_or_default());
        }
        result
    }
}
