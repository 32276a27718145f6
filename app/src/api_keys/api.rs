//! The Settings › API keys page's server functions (admins only:
//! `ManageApiKeys`). Each authorises, parses, then calls `ssr`.

use leptos::prelude::*;

use super::{ApiKeySummary, CreatedApiKey};
#[cfg(feature = "ssr")]
use super::{Scope, ssr};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Every key, newest first (revoked ones too: they explain old audit entries).
#[server(endpoint = "api-keys/list")]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ManageApiKeys).await?;
            ssr::manage::list(&app_state()?).await
        }
        .await,
    )
}

/// Creates a key. `expires_in_days` 0 means it never expires; `service`
/// names the error project of a key with the `errors` scope.
#[server(endpoint = "api-keys/create")]
pub async fn create_api_key(
    name: String,
    #[server(default)] scope_ingest: bool,
    #[server(default)] scope_deployments_write: bool,
    #[server(default)] scope_logs: bool,
    #[server(default)] scope_errors: bool,
    #[server(default)] service: String,
    #[server(default)] expires_in_days: u32,
) -> Result<CreatedApiKey, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageApiKeys).await?;
            let scopes = Scope::chosen(scope_ingest, scope_deployments_write, scope_logs, scope_errors);
            let new = ssr::NewApiKey::parse(&name, scopes, expires_in_days, chrono::Utc::now())?;
            let new = new.for_errors_service(&service)?;
            let created = ssr::manage::create(&app_state()?, caller.actor, caller.client, new).await?;
            ssr::shown_once::hand_over(created).await
        }
        .await,
    )
}

/// The key this admin's latest plain form post created, once: without
/// JavaScript the API keys page shows it after the post's redirect.
#[server(endpoint = "api-keys/take-created")]
pub async fn take_created_api_key() -> Result<Option<CreatedApiKey>, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ManageApiKeys).await?;
            ssr::shown_once::take().await
        }
        .await,
    )
}

/// Revokes a key at once; a revoked key is refused from then on.
#[server(endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(key_id: i64) -> Result<ApiKeySummary, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageApiKeys).await?;
            ssr::manage::revoke(&app_state()?, &caller, key_id).await
        }
        .await,
    )
}

/// Sets when a key expires: `expires_on` is a `YYYY-MM-DD` date (the key
/// expires at 00:00 UTC that day; a past date expires it at once), or empty
/// for never.
#[server(endpoint = "api-keys/set-expiry")]
pub async fn set_api_key_expiry(key_id: i64, #[server(default)] expires_on: String) -> Result<ApiKeySummary, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageApiKeys).await?;
            let expires_at = ssr::parse_expiry_date(&expires_on)?;
            ssr::manage::set_expiry(&app_state()?, &caller, key_id, expires_at).await
        }
        .await,
    )
}
