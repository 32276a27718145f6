//! Configuration from environment variables, parsed and checked at start-up.
//!
//! [`VARIABLES`] is the single list of every variable, its default and its
//! meaning: `--help` prints it and a test checks the README documents it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::auth::ssr::AuthSettings;
use app::metrics::ingest::IngestSettings;
use secrecy::{ExposeSecret, SecretBox, SecretString};

mod retention;
mod variables;
pub use retention::RetentionSettings;
pub use variables::{VARIABLES, Variable, variables_help};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    pub redis_url: SecretString,
    pub addr: SocketAddr,
    pub connections: crate::http::serve::ConnectionLimits,
    pub live_streams_per_user: usize,
    pub site_root: PathBuf,
    /// cargo-leptos's hash file (`OPSDECK_HASH_FILE`), resolved beside the binary when relative.
    pub hash_file: PathBuf,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub secure_cookies: bool,
    pub degraded_after: Duration,
    pub check_timeout: Duration,
    pub db_max_connections: u32,
    pub redis_prefix: String,
    pub shutdown_grace: Duration,
    pub audit_key: SecretBox<[u8]>,
    /// Seals the secrets stored in Postgres (`OPSDECK_SECRETS_KEY`) and opens
    /// those sealed before a rotation (`OPSDECK_SECRETS_OLD_KEYS`).
    pub secrets: app::secrets::Keyring,
    pub auth: AuthSettings,
    pub refusals: app::audit::ssr::refusals::RefusalSettings,
    pub ingest: IngestSettings,
    pub retention: RetentionSettings,
    pub logs: app::logs::settings::LogSettings,
    pub errors: app::errors::settings::ErrorSettings,
    /// The environment's values of what Settings › Monitoring can change
    /// (retention, thresholds, the collector's interval, scrubbed keys).
    pub monitoring: app::monitoring::Baseline,
    /// Opsdeck's own log events are stored as log lines (`OPSDECK_OWN_LOGS`).
    pub own_logs: bool,
    /// Zero: self-monitoring is off.
    pub self_monitor_every: Duration,
    /// How often Opsdeck's own Postgres and Redis are read in depth; zero: never.
    pub collect_every: Duration,
    /// How often the audit chain's head is anchored; zero: never.
    pub audit_anchor_every: Duration,
    pub live_recheck: Duration,
    pub alert_every: Duration,
    pub notify: NotifyConfig,
    pub backup_dir: PathBuf,
}

/// How long metrics are kept, per kind; applied by dropping whole daily partitions.
/// How notifications are sent (see `app::alerts::ssr::deliver`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub public_url: String,
    pub retry_after: Duration,
    pub max_attempts: i32,
}

/// A variable that is set but unusable; the message names it and says why.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let here = std::env::current_dir().unwrap_or_default();
        Config::from_lookup(with_checkout_key(|name| std::env::var(name).ok(), &here))
    }

    /// Reads variables through `lookup`, so tests can supply their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &'static str| -> Value {
            let default = VARIABLES
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.default)
                .unwrap_or("");
            Value {
                name,
                raw: lookup(name)
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| default.to_string()),
            }
        };
        // Zero is allowed: every check is then reported degraded (useful in tests).
        let degraded_after = Duration::from_millis(get("OPSDECK_DEGRADED_MS").parse("a whole number of milliseconds")?);
        let check_timeout = get("OPSDECK_CHECK_TIMEOUT_MS").millis()?;
        if check_timeout <= degraded_after {
            return Err(ConfigError {
                name: "OPSDECK_CHECK_TIMEOUT_MS",
                problem: format!(
                    "must be greater than OPSDECK_DEGRADED_MS ({} ms), otherwise no check can ever report degraded",
                    degraded_after.as_millis()
                ),
            });
        }
        Ok(Config {
            database_url: get("DATABASE_URL").url(&["postgres", "postgresql"])?,
            redis_url: get("REDIS_URL").url(&["redis", "rediss", "redis+unix", "unix"])?,
            addr: get("OPSDECK_ADDR").parse("an address and port such as 127.0.0.1:3000")?,
            connections: crate::http::serve::ConnectionLimits {
                max_connections: match get("OPSDECK_MAX_CONNECTIONS").raw.trim() {
                    "auto" => crate::http::serve::default_max_connections(),
                    _ => get("OPSDECK_MAX_CONNECTIONS").positive()?,
                },
                header_timeout: Duration::from_secs(get("OPSDECK_HEADER_TIMEOUT_SECS").positive()?),
                body_timeout: Duration::from_secs(get("OPSDECK_BODY_TIMEOUT_SECS").positive()?),
            },
            live_streams_per_user: get("OPSDECK_LIVE_STREAMS_PER_USER").positive()?,
            site_root: PathBuf::from(get("OPSDECK_SITE_ROOT").raw),
            hash_file: beside_the_binary(PathBuf::from(get("OPSDECK_HASH_FILE").raw)),
            log_filter: get("OPSDECK_LOG").raw,
            log_format: match get("OPSDECK_LOG_FORMAT").raw.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError {
                        name: "OPSDECK_LOG_FORMAT",
                        problem: format!("'{other}' is neither text nor json"),
                    });
                }
            },
            secure_cookies: get("OPSDECK_SECURE_COOKIES").parse("true or false")?,
            degraded_after,
            check_timeout,
            db_max_connections: get("OPSDECK_DB_MAX_CONNECTIONS").positive()?,
            redis_prefix: get("OPSDECK_REDIS_PREFIX").raw,
            shutdown_grace: Duration::from_secs(get("OPSDECK_SHUTDOWN_GRACE_SECS").parse("a number of seconds")?),
            audit_key: get("OPSDECK_AUDIT_KEY").hex_key(32)?,
            secrets: get("OPSDECK_SECRETS_KEY").keyring(&get("OPSDECK_SECRETS_OLD_KEYS"))?,
            auth: AuthSettings {
                max_failures_per_email: get("OPSDECK_SIGN_IN_MAX_FAILURES").positive()?,
                max_failures_per_ip: get("OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP").positive()?,
                failure_window_secs: get("OPSDECK_SIGN_IN_WINDOW_SECS").positive()?,
                idle_timeout_secs: get("OPSDECK_SESSION_IDLE_MINUTES").positive::<u64>()? * 60,
                absolute_timeout_secs: get("OPSDECK_SESSION_MAX_HOURS").positive::<u64>()? * 3600,
            },
            refusals: app::audit::ssr::refusals::RefusalSettings {
                window: Duration::from_secs(get("OPSDECK_AUDIT_REFUSAL_WINDOW_SECS").positive()?),
                anonymous_per_minute: get("OPSDECK_ANONYMOUS_REFUSALS_PER_MIN").positive()?,
            },
            retention: RetentionSettings {
                raw_days: get("OPSDECK_RETENTION_RAW_DAYS").positive()?,
                rollup_days: get("OPSDECK_RETENTION_ROLLUP_DAYS").positive()?,
                log_days: get("OPSDECK_LOG_RETENTION_DAYS").positive()?,
                error_days: get("OPSDECK_ERROR_RETENTION_DAYS").positive()?,
                span_days: get("OPSDECK_TRACE_RETENTION_DAYS").positive()?,
            },
            logs: app::logs::settings::LogSettings {
                max_body_bytes: get("OPSDECK_LOGS_MAX_BYTES").positive()?,
                retention_days: get("OPSDECK_LOG_RETENTION_DAYS").positive()?,
                count_timeout_ms: get("OPSDECK_LOGS_COUNT_TIMEOUT_MS").positive()?,
            },
            errors: app::errors::settings::ErrorSettings {
                max_event_bytes: get("OPSDECK_ERROR_MAX_EVENT_BYTES").positive()?,
                max_envelope_bytes: get("OPSDECK_ERROR_MAX_ENVELOPE_BYTES").positive()?,
                retention_days: get("OPSDECK_ERROR_RETENTION_DAYS").positive()?,
                extra_scrub_keys: get("OPSDECK_ERROR_SCRUB_KEYS")
                    .raw
                    .split(',')
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .map(str::to_string)
                    .collect(),
                group_envelopes: get("OPSDECK_ERROR_GROUP_ENVELOPES").positive()?,
            },
            own_logs: match get("OPSDECK_OWN_LOGS").raw.trim() {
                "on" => true,
                "off" => false,
                other => {
                    return Err(ConfigError {
                        name: "OPSDECK_OWN_LOGS",
                        problem: format!("'{other}' is neither on nor off"),
                    });
                }
            },
            self_monitor_every: Duration::from_secs(get("OPSDECK_SELF_MONITOR_SECS").parse("a number of seconds")?),
            audit_anchor_every: Duration::from_secs(get("OPSDECK_AUDIT_ANCHOR_SECS").parse("a number of seconds")?),
            collect_every: Duration::from_secs(get("OPSDECK_COLLECT_SECS").parse("a number of seconds")?),
            live_recheck: Duration::from_secs(get("OPSDECK_LIVE_RECHECK_SECS").positive()?),
            alert_every: Duration::from_secs(get("OPSDECK_ALERT_EVAL_SECS").positive()?),
            notify: NotifyConfig {
                public_url: match get("OPSDECK_PUBLIC_URL").raw.trim() {
                    "" => format!("http://{}", get("OPSDECK_ADDR").raw.trim()),
                    url if url.starts_with("http://") || url.starts_with("https://") => url.to_string(),
                    _ => {
                        return Err(ConfigError {
                            name: "OPSDECK_PUBLIC_URL",
                            problem: "expected an address starting with http:// or https://".into(),
                        });
                    }
                },
                retry_after: get("OPSDECK_NOTIFY_RETRY_MS").millis()?,
                max_attempts: get("OPSDECK_NOTIFY_MAX_ATTEMPTS").positive()?,
            },
            backup_dir: PathBuf::from(get("OPSDECK_BACKUP_DIR").raw),
            ingest: IngestSettings {
                max_body_bytes: get("OPSDECK_INGEST_MAX_BYTES").positive()?,
                rate_per_min: get("OPSDECK_INGEST_RATE_PER_MIN").positive()?,
                // Older records would land in partitions retention drops.
                raw_retention_days: get("OPSDECK_RETENTION_RAW_DAYS").positive()?,
            },
            // Last: each variable's own message comes first.
            monitoring: monitoring_baseline(&lookup)?,
        })
    }

    /// The database URL with any password replaced, for log lines.
    pub fn database_url_for_logs(&self) -> String {
        redact_password(self.database_url.expose_secret())
    }
}

/// The environment's values of the monitoring settings, refused here (with
/// the variable's name) when the settings page could not use them.
fn monitoring_baseline(lookup: &impl Fn(&str) -> Option<String>) -> Result<app::monitoring::Baseline, ConfigError> {
    let baseline = app::monitoring::Baseline::from_env(lookup);
    if let Err(error) = app::monitoring::resolve(&Default::default(), &baseline) {
        let (field, problem) = app::error::FieldErrors::from(error).0.remove(0);
        let name = app::monitoring::fields::spec(&field)
            .and_then(|f| f.env)
            .unwrap_or("OPSDECK_RETENTION_RAW_DAYS");
        return Err(ConfigError { name, problem });
    }
    Ok(baseline)
}

struct Value {
    name: &'static str,
    raw: String,
}

impl Value {
    fn parse<T: std::str::FromStr>(&self, expected: &str) -> Result<T, ConfigError> {
        self.raw.trim().parse().map_err(|_| ConfigError {
            name: self.name,
            problem: format!("'{}' is not {expected}", self.raw),
        })
    }

    fn millis(&self) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.positive::<u64>()?))
    }

    fn positive<T: std::str::FromStr + PartialOrd + Default>(&self) -> Result<T, ConfigError> {
        let value: T = self.parse("a positive whole number")?;
        if value <= T::default() {
            return Err(ConfigError {
                name: self.name,
                problem: "must be greater than zero".into(),
            });
        }
        Ok(value)
    }

    /// A secret given as hex; never echoed back.
    fn hex_key(&self, min_bytes: usize) -> Result<SecretBox<[u8]>, ConfigError> {
        if self.raw.is_empty() {
            return Err(ConfigError {
                name: self.name,
                problem: "is not set; generate one with `openssl rand -hex 32` and keep it outside the database".into(),
            });
        }
        match hex::decode(self.raw.trim()) {
            Ok(bytes) if bytes.len() >= min_bytes => Ok(SecretBox::new(bytes.into_boxed_slice())),
            Ok(bytes) => Err(ConfigError {
                name: self.name,
                problem: format!("is {} bytes; at least {min_bytes} are required", bytes.len()),
            }),
            Err(_) => Err(ConfigError {
                name: self.name,
                problem: "is not hexadecimal".into(),
            }),
        }
    }

    /// The secrets key (this value) and the old keys (`old`, comma-separated);
    /// never echoed back.
    fn keyring(&self, old: &Value) -> Result<app::secrets::Keyring, ConfigError> {
        let current = self.hex_key(app::secrets::KEY_BYTES)?;
        let mut older = Vec::new();
        for (n, key) in old.raw.split(',').map(str::trim).filter(|k| !k.is_empty()).enumerate() {
            let bytes = hex::decode(key).map_err(|_| ConfigError {
                name: old.name,
                problem: format!("key {} is not hexadecimal", n + 1),
            })?;
            older.push(bytes);
        }
        let older: Vec<&[u8]> = older.iter().map(Vec::as_slice).collect();
        app::secrets::Keyring::new(current.expose_secret(), &[]).map_err(|bad| ConfigError {
            name: self.name,
            problem: bad.to_string(),
        })?;
        app::secrets::Keyring::new(current.expose_secret(), &older).map_err(|bad| ConfigError {
            name: old.name,
            problem: format!("a key {bad}"),
        })
    }

    /// Checks the scheme only; the driver reports anything else when it connects.
    /// The value is never echoed back, since it may carry a password.
    fn url(&self, schemes: &[&str]) -> Result<SecretString, ConfigError> {
        let scheme = self.raw.split_once("://").map(|(scheme, _)| scheme);
        match scheme {
            Some(scheme) if schemes.contains(&scheme) => Ok(SecretString::from(self.raw.clone())),
            _ => Err(ConfigError {
                name: self.name,
                problem: format!("expected a URL starting with {}://", schemes.join(":// or ")),
            }),
        }
    }
}

/// Where the README's scripts keep a checkout's audit key (scripts/lib.sh).
pub const CHECKOUT_KEY_FILE: &str = ".data/audit.key";
/// Where they keep its secrets key.
pub const CHECKOUT_SECRETS_KEY_FILE: &str = ".data/secrets.key";

/// `lookup`, except that an unset `OPSDECK_AUDIT_KEY` or `OPSDECK_SECRETS_KEY`
/// is read from `.data/audit.key` or `.data/secrets.key` in `dir` or its
/// nearest ancestor that has one: the keys the scripts created, so
/// `opsdeck audit verify` (or any command) run by hand inside the
/// repository uses the same keys as the server they started.
pub fn with_checkout_key(lookup: impl Fn(&str) -> Option<String>, dir: &Path) -> impl Fn(&str) -> Option<String> {
    move |name| {
        let value = lookup(name).filter(|value| !value.trim().is_empty());
        let file = match name {
            "OPSDECK_AUDIT_KEY" => CHECKOUT_KEY_FILE,
            "OPSDECK_SECRETS_KEY" => CHECKOUT_SECRETS_KEY_FILE,
            _ => return value,
        };
        if value.is_some() {
            return value;
        }
        dir.ancestors()
            .find_map(|dir| std::fs::read_to_string(dir.join(file)).ok())
            .map(|key| key.trim().to_string())
            .filter(|key| !key.is_empty())
    }
}

/// `scheme://user:secret@host/db` → `scheme://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests;

/// A relative path names a file beside the running binary (where
/// cargo-leptos writes its hash file); an absolute one is kept.
fn beside_the_binary(path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        return path;
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&path)))
        .unwrap_or(path)
}
