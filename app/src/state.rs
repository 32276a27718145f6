//! Server-side state shared by every route and server function.

use std::time::Duration;

use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;
pub use crate::health::settings::HealthSettings;
pub use crate::redis_handle::RedisHandle;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The built site's (content-hashed) file names, read at start-up.
    pub assets: std::sync::Arc<crate::site_assets::SiteAssets>,
    pub db: PgPool,
    pub redis: RedisHandle,
    /// Cookies carry `Secure` unless Opsdeck is served over plain local HTTP.
    pub secure_cookies: bool,
    pub audit_key: crate::audit::settings::AuditKey,
    /// Seals and opens the secrets stored in Postgres (`crate::secrets`).
    pub secrets: crate::secrets::Keyring,
    /// How refused requests are counted into the audit log.
    pub refusals: crate::audit::settings::RefusalSettings,
    pub auth: crate::auth::settings::AuthSettings,
    pub ingest: crate::metrics::settings::IngestSettings,
    /// Log lines' body limit and retention.
    pub logs: crate::logs::settings::LogSettings,
    /// Error events' limits, retention and extra scrubbed keys.
    pub errors: crate::errors::settings::ErrorSettings,
    /// How often the alert evaluator runs (backtests evaluate as often).
    pub alert_every: Duration,
    /// How alert notifications are sent.
    pub notify: crate::alerts::settings::NotifySettings,
    pub backups: crate::backups::settings::Backups,
    /// The Performance page's rollup reads, shared between viewers.
    pub reports: crate::metrics::ssr::report_cache::ReportCache,
    /// Monthly reports, shared between readers for a minute.
    pub monthly_reports: crate::reports::ssr::MonthlyCache,
    /// The Overview's reads, shared between viewers for a few seconds.
    pub overview: crate::overview_reads::OverviewReads,
    /// Retention, thresholds, the collector's interval and the scrubbed keys
    /// as they apply now (Settings › Monitoring; follows every save).
    pub monitoring: crate::monitoring::settings::LiveSettings,
}

impl AppState {
    /// The health checks' thresholds as they apply now (Settings › Monitoring).
    pub fn health(&self) -> HealthSettings {
        let current = self.monitoring.current();
        HealthSettings {
            degraded_after: Duration::from_millis(current.settings.health_degraded_ms),
            check_timeout: Duration::from_millis(current.settings.health_timeout_ms),
        }
    }

    /// The errors' settings with the retention and extra scrubbed keys as
    /// they apply now (Settings › Monitoring).
    pub fn error_settings(&self) -> crate::errors::settings::ErrorSettings {
        let current = self.monitoring.current();
        crate::errors::settings::ErrorSettings {
            retention_days: current.settings.error_days,
            extra_scrub_keys: current.settings.scrub_keys.clone(),
            ..self.errors.clone()
        }
    }

    /// Log lines' retention as it applies now (Settings › Monitoring).
    pub fn log_retention_days(&self) -> u32 {
        self.monitoring.current().settings.log_days
    }

    /// Trace spans' retention as it applies now (Settings › Monitoring).
    pub fn span_retention_days(&self) -> u32 {
        self.monitoring.current().settings.span_days
    }

    /// Raw metrics' retention as it applies now (Settings › Monitoring).
    pub fn raw_retention_days(&self) -> u32 {
        self.monitoring.current().settings.raw_days
    }

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
