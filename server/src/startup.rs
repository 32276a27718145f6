//! Start-up: connect, migrate, bind and serve. `main` only calls into here,
//! and tests start the same application on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use leptos::config::LeptosOptions;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::net::TcpListener;

use app::alerts::ssr::deliver::NotifySettings;
use app::audit::ssr::AuditKey;
use app::backups::ssr::Backups;
use app::backups::ssr::connection::ConnectionUrl;
use app::backups::ssr::store::LocalDirStore;
use app::monitoring::settings::LiveSettings;
use app::partitions::DailyPartitions;
use app::secrets::stored::{Reseal, ResealError, reseal};
use app::state::{AppState, RedisHandle};

use crate::config::Config;
use crate::http::routes;

/// Every migration under `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    config: Config,
    state: AppState,
    live: crate::http::live::Live,
    publisher: crate::http::live::Publisher,
    self_monitor: Option<crate::workers::self_monitor::Buffer>,
    /// This instance's sink of Opsdeck's own log lines (`OPSDECK_OWN_LOGS`).
    own_logs: Option<tokio::sync::mpsc::Receiver<app::logs::NewLogLine>>,
    /// This instance's failed requests, for the `own_errors` worker.
    own_failures: tokio::sync::mpsc::Receiver<crate::workers::own_errors::OwnFailure>,
}

impl Application {
    /// Connects to Postgres, applies pending migrations and binds the listener.
    /// Redis is connected on first use, so Opsdeck starts (and reports Redis
    /// as down) while Redis is unavailable.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {} (OPSDECK_ADDR)", config.addr))?;
        let state = build_state(&config, listener.local_addr()?, true).await?;
        let live = crate::http::live::Live::new(config.live_recheck, config.live_streams_per_user);
        let (recorder, self_monitor) = crate::workers::self_monitor::channel(config.self_monitor_every);
        let publisher = crate::http::live::Publisher::default();
        let (failures, own_failures) = tokio::sync::mpsc::channel(crate::workers::own_errors::BUFFER);
        let router = routes::router(state.clone(), live.clone(), publisher.clone(), recorder, failures);
        // Opened now, so events from here on are kept until the worker starts.
        let own_logs = config
            .own_logs
            .then(|| crate::telemetry::own_logs(crate::workers::own_logs::BUFFER));
        Ok(Application {
            listener,
            router,
            config,
            state,
            live,
            publisher,
            self_monitor,
            own_logs,
            own_failures,
        })
    }

    /// The state the server would run with, for CLI commands that act like it.
    pub async fn state_for_cli(config: Config) -> anyhow::Result<AppState> {
        build_state(&config, config.addr, true).await
    }

    /// The same, without applying migrations (`opsdeck migrate --backup`
    /// backs up before it migrates).
    pub async fn state_without_migrating(config: Config) -> anyhow::Result<AppState> {
        build_state(&config, config.addr, false).await
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|addr| addr.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish
    /// for at most `OPSDECK_SHUTDOWN_GRACE_SECS`.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let address = self.listener.local_addr()?;
        // Leader-only partition upkeep and retention; stops when this returns.
        let _retention = crate::workers::retention::spawn(self.state.db.clone(), self.state.monitoring.clone());
        // Every instance follows the monitoring settings saved on any instance.
        let _monitoring_settings = crate::workers::monitoring_settings::spawn(self.state.clone());
        // Leader-only folding of the rollup deltas batches append.
        let _compactor = crate::workers::compactor::spawn(self.state.db.clone());
        // Leader-only: ignored error issues whose time ran out are unresolved.
        let _ignore_expiry = crate::workers::ignore_expiry::spawn(self.state.clone());
        // Leader-only reading of Opsdeck's own Postgres and Redis in depth.
        let _store_collector = crate::workers::store_collector::spawn(self.state.clone());
        // Leader-only scraping of the Prometheus targets admins added.
        let _scraper = crate::workers::scraper::spawn(self.state.clone());
        // Leader-only alert evaluation.
        let _alerting = crate::workers::alerting::spawn(
            self.state.db.clone(),
            self.state.audit_key.clone(),
            self.config.alert_every,
            Some(self.state.redis.clone()),
        );
        // Every instance delivers due notifications (rows are claimed, never shared).
        let _notifier = crate::workers::notifier::spawn(self.state.db.clone(), self.state.notify.clone());
        // Leader-only backup schedules, retention and upkeep; every instance sweeps at start.
        let _backups = crate::workers::backup_scheduler::spawn(self.state.clone());
        // Leader-only posting of scheduled report summaries.
        let _reports = crate::workers::report_scheduler::spawn(self.state.db.clone());
        // This instance's one reader of the live stream, and its own metrics.
        let _live_reader = crate::http::live::spawn_reader(
            self.state.redis.clone(),
            self.live.clone(),
            self.state.reports.clone(),
            self.state.overview.clone(),
        );
        let _self_monitor = self.self_monitor.map(|buffer| {
            crate::workers::self_monitor::spawn(
                self.state.clone(),
                self.publisher.clone(),
                buffer,
                self.config.self_monitor_every,
            )
        });
        // Every instance stores its own log lines.
        let _own_logs = self
            .own_logs
            .map(|sink| crate::workers::own_logs::spawn(self.state.clone(), sink));
        // Every instance stores its own failures as error events of service `opsdeck`.
        let _own_errors = crate::workers::own_errors::spawn(self.state.clone(), self.own_failures);
        // Every instance anchors the audit chain's head outside the table.
        let _audit_anchor = crate::workers::audit_anchor::spawn(self.state.clone(), self.config.audit_anchor_every);
        // Every instance writes the counts of ended refusal windows (each once).
        let _refusal_counts = crate::workers::refusal_counts::spawn(self.state.clone());
        let live = self.live;
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        // Timeouts and a connection cap (serve.rs) that axum::serve has no settings for.
        let server = crate::http::serve::serve(self.listener, self.router, self.config.connections, async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            // Live streams never finish by themselves; end them so shutdown need not wait out the grace.
            live.stop();
            let _ = stopping_tx.send(());
        });
        let grace = self.config.shutdown_grace;
        let grace_elapsed = async move {
            match stopping_rx.await {
                Ok(()) => tokio::time::sleep(grace).await,
                Err(_) => std::future::pending().await,
            }
        };
        tracing::info!(%address, "Opsdeck is listening on http://{address}");
        tokio::select! {
            () = server => {}
            () = grace_elapsed => tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the shutdown grace period; stopping anyway"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Connects to Postgres (applying pending migrations) and prepares Redis.
/// Redis is connected on first use, so Opsdeck starts (and reports Redis as
/// down) while Redis is unavailable.
async fn build_state(config: &Config, site_addr: SocketAddr, apply_migrations: bool) -> anyhow::Result<AppState> {
    let db = connect_database(config)?;
    if apply_migrations {
        migrate(&db, config).await?;
        prepare_partitions(&db, &app::metrics::ssr::partitions::PARTITIONS, "metrics").await?;
        prepare_partitions(&db, &app::logs::ssr::partitions::PARTITIONS, "log").await?;
        prepare_partitions(&db, &app::errors::ssr::partitions::PARTITIONS, "error").await?;
    }
    // Without OPSDECK_PUBLIC_URL the address is the one listened on: the
    // port actually bound when OPSDECK_ADDR asked for any (0), so links
    // and DSNs name a port that answers.
    let public_url = if config.notify.public_url == format!("http://{}", config.addr) {
        format!("http://{site_addr}")
    } else {
        config.notify.public_url.clone()
    };
    let redis = redis::Client::open(config.redis_url.expose_secret()).context("REDIS_URL is not a usable Redis URL")?;
    let leptos_options = LeptosOptions::builder()
        .output_name("opsdeck")
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(site_addr)
        .build();
    let assets = app::site_assets::SiteAssets::load(&config.site_root, "pkg", "opsdeck", &config.hash_file);
    let state = AppState {
        leptos_options,
        assets: Arc::new(assets),
        db,
        redis: RedisHandle::new(redis, config.check_timeout, config.redis_prefix.clone()),
        secure_cookies: config.secure_cookies,
        audit_key: AuditKey::new(config.audit_key.expose_secret()),
        secrets: config.secrets.clone(),
        refusals: config.refusals,
        auth: config.auth,
        ingest: config.ingest,
        logs: config.logs,
        errors: config.errors.clone(),
        alert_every: config.alert_every,
        notify: NotifySettings::new(
            &public_url,
            config.notify.retry_after,
            config.notify.max_attempts,
            config.secrets.clone(),
        ),
        backups: Backups::new(
            Arc::new(LocalDirStore::new(config.backup_dir.clone())),
            ConnectionUrl::parse(config.database_url.expose_secret())
                .map_err(|_| anyhow::anyhow!("DATABASE_URL must name a database (postgres://…/opsdeck)"))?,
        ),
        reports: Default::default(),
        monthly_reports: Default::default(),
        overview: Default::default(),
        monitoring: LiveSettings::new(config.monitoring.clone()),
    };
    if apply_migrations {
        // What admins set on Settings › Monitoring applies from the first request.
        app::monitoring::ssr::refresh(&state)
            .await
            .map_err(|_| anyhow::anyhow!("reading the monitoring settings from Postgres"))?;
    }
    Ok(state)
}

pub fn connect_database(config: &Config) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = config
        .database_url
        .expose_secret()
        .parse()
        .context("DATABASE_URL is not a usable Postgres URL")?;
    Ok(PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        // Bounded so a lost database shows up as an error within seconds, not a hang.
        .acquire_timeout(config.check_timeout)
        .connect_lazy_with(options.application_name("opsdeck")))
}

/// Applies pending migrations, then seals the secrets stored unencrypted
/// (`seal_stored_secrets`), so no command leaves them plaintext.
pub async fn migrate(db: &PgPool, config: &Config) -> anyhow::Result<()> {
    MIGRATOR.run(db).await.with_context(|| {
        format!(
            "applying migrations to {} (DATABASE_URL)",
            config.database_url_for_logs()
        )
    })?;
    seal_stored_secrets(db, config).await
}

/// Checks that `OPSDECK_SECRETS_KEY` (or an old key) opens every stored
/// secret, and encrypts those stored unencrypted (rows from before secrets
/// were encrypted): a missing or wrong key stops Opsdeck here, with the row
/// named, rather than at the next backup or notification.
pub async fn seal_stored_secrets(db: &PgPool, config: &Config) -> anyhow::Result<()> {
    let mut tx = db
        .begin()
        .await
        .context("connecting to Postgres to check the stored secrets")?;
    let done = reseal(&mut tx, &config.secrets, Reseal::PlaintextOnly)
        .await
        .map_err(|error| unreadable(error, config))?;
    tx.commit().await.context("saving the encrypted secrets")?;
    if done.were_plaintext > 0 {
        tracing::info!(
            count = done.were_plaintext,
            key = config.secrets.current_id(),
            "encrypted the secrets stored unencrypted"
        );
    }
    if done.old_key_left > 0 {
        tracing::warn!(
            count = done.old_key_left,
            "stored secrets are still encrypted with an old key; run `opsdeck secrets rotate`"
        );
    }
    Ok(())
}

/// A stored secret no key opens, said with what to do about it.
pub fn unreadable(error: ResealError, config: &Config) -> anyhow::Error {
    match error {
        ResealError::Unreadable { .. } => anyhow::Error::new(error).context(format!(
            "a stored secret cannot be decrypted with OPSDECK_SECRETS_KEY (key {}) or OPSDECK_SECRETS_OLD_KEYS; \
             start Opsdeck with the key it was encrypted with",
            config.secrets.current_id()
        )),
        ResealError::Database(_) => anyhow::Error::new(error),
    }
}

/// An area's partitions for yesterday to a few days ahead, so ingest never
/// waits on creating one (the retention worker keeps this up hourly).
async fn prepare_partitions(db: &PgPool, partitions: &DailyPartitions, area: &str) -> anyhow::Result<()> {
    let yesterday = chrono::Utc::now()
        .date_naive()
        .pred_opt()
        .context("the calendar ends today")?;
    let mut conn = db
        .acquire()
        .await
        .with_context(|| format!("connecting to Postgres to prepare {area} partitions"))?;
    partitions
        .ensure_ahead(&mut conn, yesterday, crate::workers::retention::DAYS_AHEAD + 1)
        .await
        .with_context(|| format!("creating {area} partitions"))?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
