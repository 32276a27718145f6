//! API keys: how machines authenticate to Opsdeck's HTTP APIs (the ingest
//! API first). This file holds the types the Settings › API keys page
//! shows; its server functions (admins only) are in `api` (re-exported
//! here); under `ssr`, the queries, key generation and the bearer-key check
//! the ingest handler uses.
//!
//! A key is shown once, when it is created; only its SHA-256 is stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;

/// What a key may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `POST /api/v1/ingest`.
    Ingest,
    /// Recording deployments: `POST /api/v1/deployments`, `PATCH /api/v1/deployments/{id}`.
    DeploymentsWrite,
    /// Sending log lines: `POST /v1/logs` (OTLP/HTTP) and `POST /api/v1/logs` (NDJSON).
    Logs,
    /// Sending error events from Sentry SDKs (`POST /api/<project>/envelope/`)
    /// for the one service (error project) the key is bound to.
    Errors,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Ingest, Scope::DeploymentsWrite, Scope::Logs, Scope::Errors];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::DeploymentsWrite => "deployments:write",
            Scope::Logs => "logs",
            Scope::Errors => "errors",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == value.trim())
    }

    /// The scopes ticked on the create form, in [`Scope::ALL`]'s order.
    pub fn chosen(ingest: bool, deployments_write: bool, logs: bool, errors: bool) -> Vec<Scope> {
        [
            (ingest, Scope::Ingest),
            (deployments_write, Scope::DeploymentsWrite),
            (logs, Scope::Logs),
            (errors, Scope::Errors),
        ]
        .into_iter()
        .filter_map(|(chosen, scope)| chosen.then_some(scope))
        .collect()
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
    /// The error project (service) a key with the `errors` scope sends for.
    pub error_project: Option<ErrorProject>,
}

/// An error-tracking project: a service, and the number DSNs name it by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorProject {
    pub id: i32,
    pub service: String,
}

/// A Sentry DSN for `key` (the whole key text) of `project`, at Opsdeck's
/// public address `public_url` (`http(s)://host[:port]`):
/// `http(s)://<key>@host[:port]/<project id>`, what an SDK's `dsn` option takes.
pub fn dsn(public_url: &str, key: &str, project: &ErrorProject) -> String {
    let (scheme, rest) = public_url.split_once("://").unwrap_or(("http", public_url));
    let host = rest.trim_end_matches('/');
    format!("{scheme}://{key}@{host}/{}", project.id)
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
    /// For a key with the `errors` scope: the DSN to paste into a Sentry SDK
    /// (it holds the key, so it too is shown only once).
    pub dsn: Option<String>,
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
        assert_eq!(Scope::chosen(true, true, true, true), Scope::ALL.to_vec());
        assert_eq!(Scope::chosen(false, true, false, false), vec![Scope::DeploymentsWrite]);
        assert_eq!(Scope::chosen(false, false, true, false), vec![Scope::Logs]);
        assert_eq!(Scope::chosen(false, false, false, true), vec![Scope::Errors]);
        assert!(Scope::chosen(false, false, false, false).is_empty());
    }

    #[test]
    fn dsns_have_sentrys_shape() {
        let project = ErrorProject {
            id: 7,
            service: "checkout".into(),
        };
        assert_eq!(
            dsn("https://ops.example.com/", "odk_AbCd1234_x", &project),
            "https://odk_AbCd1234_x@ops.example.com/7"
        );
        assert_eq!(
            dsn("http://127.0.0.1:3000", "odk_AbCd1234_x", &project),
            "http://odk_AbCd1234_x@127.0.0.1:3000/7"
        );
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
            error_project: None,
        };
        assert_eq!(key.status(now), KeyStatus::Active);
        key.expires_at = Some(now);
        assert_eq!(key.status(now), KeyStatus::Expired);
        key.revoked_at = Some(now);
        assert_eq!(key.status(now), KeyStatus::Revoked);
        assert_eq!(key.masked(), "odk_AbCd1234_…");
    }
}
