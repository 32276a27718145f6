//! Server-side state shared by every route and server function.

use std::time::Duration;

use axum::extract::FromRef;
use leptos::prelude::*;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::PgPool;
use tokio::sync::OnceCell;

use crate::error::AppError;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub redis: RedisHandle,
    pub health: HealthSettings,
    /// Cookies carry `Secure` unless Opsdeck is served over plain local HTTP.
    pub secure_cookies: bool,
    pub audit_key: crate::audit::ssr::AuditKey,
    /// How refused requests are counted into the audit log.
    pub refusals: crate::audit::ssr::refusals::RefusalSettings,
    pub auth: crate::auth::ssr::AuthSettings,
    pub ingest: crate::metrics::ingest::IngestSettings,
    /// How often the alert evaluator runs (backtests evaluate as often).
    pub alert_every: Duration,
    /// How alert notifications are sent.
    pub notify: crate::alerts::ssr::deliver::NotifySettings,
    pub backups: crate::backups::ssr::Backups,
    /// The Performance page's rollup reads, shared between viewers.
    pub reports: crate::metrics::ssr::report_cache::ReportCache,
}

#[derive(Clone, Copy, Debug)]
pub struct HealthSettings {
    /// A check slower than this reports `degraded`.
    pub degraded_after: Duration,
    /// A check with no answer after this reports `down`.
    pub check_timeout: Duration,
}

impl AppState {
    /// A pooled connection; a failure is an internal error logged with `context`.
    pub async fn connection(
        &self,
        context: &'static str,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, AppError> {
        self.db.acquire().await.map_err(AppError::internal_in(context))
    }

    /// A transaction; a failure is an internal error logged with `context`.
    pub async fn begin(&self, context: &'static str) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
        self.db.begin().await.map_err(AppError::internal_in(context))
    }
}

/// The `AppState` provided to every server function by the router.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("app_state", "AppState not provided"))
}

/// One shared Redis connection, opened on first use.
///
/// Opened lazily so Opsdeck starts (and reports Redis `down`) while Redis is
/// unreachable; once open, the connection manager reconnects by itself after
/// Redis comes back. Keys written through it must start with `key_prefix`.
#[derive(Clone)]
pub struct RedisHandle {
    client: redis::Client,
    manager: std::sync::Arc<OnceCell<ConnectionManager>>,
    timeout: Duration,
    pub key_prefix: String,
}

impl RedisHandle {
    pub fn new(client: redis::Client, timeout: Duration, key_prefix: String) -> Self {
        Self {
            client,
            manager: Default::default(),
            timeout,
            key_prefix,
        }
    }

    pub async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let manager = self
            .manager
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await?;
        Ok(manager.clone())
    }

    /// A connection of its own, for commands that block (`XREAD BLOCK`) and
    /// would stall every other user of the shared one. `response_timeout`
    /// must exceed the longest block.
    pub async fn dedicated_connection(
        &self,
        response_timeout: Duration,
    ) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(response_timeout));
        self.client.get_multiplexed_async_connection_with_config(&config).await
    }

    /// `key` under this installation's (or this test's) prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.key_prefix)
    }
}
