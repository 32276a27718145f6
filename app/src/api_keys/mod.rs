//! API keys: how machines authenticate to Opsdeck's HTTP APIs (the ingest
//! API first). The types the Settings › API keys page shows, its server
//! functions (admins only) and, under `ssr`, the queries, key generation and
//! the bearer-key check the ingest handler uses.
//!
//! A key is shown once, when it is created; only its SHA-256 is stored.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;

/// What a key may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `POST /api/v1/ingest`.
    Ingest,
    /// Recording deployments: `POST /api/v1/deployments`, `PATCH /api/v1/deployments/{id}`.
    DeploymentsWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Ingest, Scope::DeploymentsWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::DeploymentsWrite => "deployments:write",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == value.trim())
    }
}

/// Whether a key can be used right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

/// A key as the console shows it: never the key itself nor its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: i64,
    pub name: String,
    /// The key's public id part; the key reads `odk_<prefix>_…`.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// Email of the admin who created it; `None` for the command line.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute per key.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKeySummary {
    pub fn status(&self, now: DateTime<Utc>) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    /// How the key is named on screen: `odk_AbCd1234_…`.
    pub fn masked(&self) -> String {
        format!("odk_{}_…", self.prefix)
    }
}

/// A key just created: the only time its secret is seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeySummary,
    pub secret: String,
}

/// Every key, newest first (revoked ones too: they explain old audit entries).
#[server(endpoint = "api-keys/list")]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, AppError> {
    crate::error::respond(
        async move {
            acting(Permission::ManageApiKeys).await?;
            ssr::manage::list(&crate::state::app_state()?).await
        }
        .await,
    )
}

/// Creates a key. `expires_in_days` 0 means it never expires.
#[server(endpoint = "api-keys/create")]
pub async fn create_api_key(
    name: String,
    #[server(default)] scope_ingest: bool,
    #[server(default)] scope_deployments_write: bool,
    #[server(default)] expires_in_days: u32,
) -> Result<CreatedApiKey, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageApiKeys).await?;
            let scopes: Vec<Scope> = [
                (scope_ingest, Scope::Ingest),
                (scope_deployments_write, Scope::DeploymentsWrite),
            ]
            .into_iter()
            .filter_map(|(chosen, scope)| chosen.then_some(scope))
            .collect();
            let new = ssr::NewApiKey::parse(&name, scopes, expires_in_days, Utc::now())?;
            let created = ssr::manage::create(&crate::state::app_state()?, admin.actor, admin.client, new).await?;
            // A plain form post (no JavaScript) is answered with a redirect,
            // which cannot carry the key: the page it leads to takes it from
            // the session, and the redirect's body holds no secret.
            if crate::error::is_plain_form_post() {
                ssr::shown_once::keep(&created).await?;
                leptos_axum::redirect("/settings/api-keys#new-key");
                return Ok(CreatedApiKey {
                    secret: String::new(),
                    ..created
                });
            }
            Ok(created)
        }
        .await,
    )
}

/// The key this admin's latest plain form post created, once: without
/// JavaScript the API keys page shows it after the post's redirect.
#[server(endpoint = "api-keys/take-created")]
pub async fn take_created_api_key() -> Result<Option<CreatedApiKey>, AppError> {
    crate::error::respond(
        async move {
            acting(Permission::ManageApiKeys).await?;
            ssr::shown_once::take().await
        }
        .await,
    )
}

/// Revokes a key at once; a revoked key is refused from then on.
#[server(endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(key_id: i64) -> Result<ApiKeySummary, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageApiKeys).await?;
            ssr::manage::revoke(&crate::state::app_state()?, &admin, key_id).await
        }
        .await,
    )
}

/// Sets when a key expires: `expires_on` is a `YYYY-MM-DD` date (the key
/// expires at 00:00 UTC that day; a past date expires it at once), or empty
/// for never.
#[server(endpoint = "api-keys/set-expiry")]
pub async fn set_api_key_expiry(key_id: i64, #[server(default)] expires_on: String) -> Result<ApiKeySummary, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageApiKeys).await?;
            let expires_at = ssr::parse_expiry_date(&expires_on)?;
            ssr::manage::set_expiry(&crate::state::app_state()?, &admin, key_id, expires_at).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("admin"), None);
    }

    #[test]
    fn status_prefers_revoked_then_expired() {
        let now = Utc::now();
        let mut key = ApiKeySummary {
            id: 1,
            name: "ci".into(),
            prefix: "AbCd1234".into(),
            scopes: vec![Scope::Ingest],
            created_by: None,
            created_at: now,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
        };
        assert_eq!(key.status(now), KeyStatus::Active);
        key.expires_at = Some(now);
        assert_eq!(key.status(now), KeyStatus::Expired);
        key.revoked_at = Some(now);
        assert_eq!(key.status(now), KeyStatus::Revoked);
        assert_eq!(key.masked(), "odk_AbCd1234_…");
    }
}
