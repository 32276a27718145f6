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

pub struct Variable {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "DATABASE_URL",
        default: "postgres://postgres@127.0.0.1:5432/opsdeck",
        meaning: "Postgres connection URL",
    },
    Variable {
        name: "REDIS_URL",
        default: "redis://127.0.0.1:6379",
        meaning: "Redis connection URL",
    },
    Variable {
        name: "OPSDECK_ADDR",
        default: "127.0.0.1:3000",
        meaning: "Address and port to listen on",
    },
    Variable {
        name: "OPSDECK_MAX_CONNECTIONS",
        default: "auto",
        meaning: "Most client connections open at once (more wait until one closes); auto: three quarters of the open-files limit",
    },
    Variable {
        name: "OPSDECK_HEADER_TIMEOUT_SECS",
        default: "30",
        meaning: "A request's head must arrive within this many seconds of the connection opening or the previous response (so it is also the idle timeout of a kept-alive connection)",
    },
    Variable {
        name: "OPSDECK_BODY_TIMEOUT_SECS",
        default: "30",
        meaning: "Longest wait for the next part of a request body before the request is dropped",
    },
    Variable {
        name: "OPSDECK_LIVE_STREAMS_PER_USER",
        default: "20",
        meaning: "Live streams (GET /api/v1/live) one user may hold open on one instance; more are refused with 429",
    },
    Variable {
        name: "OPSDECK_SITE_ROOT",
        default: "target/site",
        meaning: "Directory with the built site (wasm, JS, CSS, assets)",
    },
    Variable {
        name: "OPSDECK_LOG",
        default: "info",
        meaning: "Log filter (tracing EnvFilter syntax, e.g. info,opsdeck=debug)",
    },
    Variable {
        name: "OPSDECK_LOG_FORMAT",
        default: "text",
        meaning: "Log format: text (human-readable) or json",
    },
    Variable {
        name: "OPSDECK_SECURE_COOKIES",
        default: "false",
        meaning: "Mark cookies Secure and accept posts only from https:// pages; set true whenever Opsdeck is served over HTTPS",
    },
    Variable {
        name: "OPSDECK_DEGRADED_MS",
        default: "1000",
        meaning: "A health check slower than this many ms reports degraded",
    },
    Variable {
        name: "OPSDECK_CHECK_TIMEOUT_MS",
        default: "3000",
        meaning: "A health check with no answer after this many ms reports down",
    },
    Variable {
        name: "OPSDECK_DB_MAX_CONNECTIONS",
        default: "10",
        meaning: "Size of the Postgres connection pool",
    },
    Variable {
        name: "OPSDECK_REDIS_PREFIX",
        default: "opsdeck:",
        meaning: "Prefix of every Redis key Opsdeck writes",
    },
    Variable {
        name: "OPSDECK_AUDIT_KEY",
        default: "",
        meaning: "Required. Key of the audit log's HMAC chain, at least 32 bytes as hex (e.g. `openssl rand -hex 32`); kept outside the database. When unset, `.data/audit.key` in the working directory or an ancestor (the key the README's scripts create) is used",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_MAX_FAILURES",
        default: "5",
        meaning: "Failed sign-ins for one email within the window before it is locked (HTTP 429)",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP",
        default: "20",
        meaning: "Failed sign-ins from one client IP within the window before it is locked",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_WINDOW_SECS",
        default: "300",
        meaning: "Window of the sign-in failure limits, in seconds",
    },
    Variable {
        name: "OPSDECK_SESSION_IDLE_MINUTES",
        default: "30",
        meaning: "A session unused for this long ends",
    },
    Variable {
        name: "OPSDECK_SESSION_MAX_HOURS",
        default: "12",
        meaning: "A session ends this long after sign-in, however active",
    },
    Variable {
        name: "OPSDECK_INGEST_MAX_BYTES",
        default: "5242880",
        meaning: "Largest ingest request body in bytes (5 MiB); larger ones are refused with 413",
    },
    Variable {
        name: "OPSDECK_INGEST_RATE_PER_MIN",
        default: "600",
        meaning: "Ingest requests one API key may send per minute before 429 with Retry-After",
    },
    Variable {
        name: "OPSDECK_RETENTION_RAW_DAYS",
        default: "7",
        meaning: "Days raw request events and metric samples are kept (whole daily partitions are dropped after)",
    },
    Variable {
        name: "OPSDECK_RETENTION_ROLLUP_DAYS",
        default: "90",
        meaning: "Days the rollups (per minute and per hour) are kept (whole daily partitions are dropped after); finished notifications are kept as long",
    },
    Variable {
        name: "OPSDECK_AUDIT_REFUSAL_WINDOW_SECS",
        default: "60",
        meaning: "Refused requests are audited once per distinct refusal per source in this many seconds: the first at once, the rest as one entry with their count when the window ends",
    },
    Variable {
        name: "OPSDECK_ANONYMOUS_REFUSALS_PER_MIN",
        default: "300",
        meaning: "Refused requests one address without a session may make per minute before it is answered 429 with Retry-After",
    },
    Variable {
        name: "OPSDECK_SELF_MONITOR_SECS",
        default: "15",
        meaning: "How often Opsdeck samples its own health checks into the metrics pipeline (its request timings are flushed at least every 5 s); 0 turns self-monitoring off",
    },
    Variable {
        name: "OPSDECK_AUDIT_ANCHOR_SECS",
        default: "60",
        meaning: "How often every instance records the audit chain's head (newest entry id and hash) in Redis and in its log, so entries cut off the end are detected; 0 turns it off",
    },
    Variable {
        name: "OPSDECK_ALERT_EVAL_SECS",
        default: "15",
        meaning: "How often the alert evaluator (one instance at a time) evaluates every enabled rule; backtests evaluate at the same rhythm",
    },
    Variable {
        name: "OPSDECK_PUBLIC_URL",
        default: "",
        meaning: "Opsdeck's address as its users reach it (https://ops.example.com), for links in notifications; empty: http://OPSDECK_ADDR",
    },
    Variable {
        name: "OPSDECK_NOTIFY_RETRY_MS",
        default: "10000",
        meaning: "Wait before retrying a failed notification; it doubles per attempt, up to an hour",
    },
    Variable {
        name: "OPSDECK_NOTIFY_MAX_ATTEMPTS",
        default: "12",
        meaning: "Attempts at one notification before it is given up (and shown as failed in its delivery log)",
    },
    Variable {
        name: "OPSDECK_LIVE_RECHECK_SECS",
        default: "30",
        meaning: "How often an open live stream re-checks its viewer's session; a signed-out or disabled user's streams end within this time",
    },
    Variable {
        name: "OPSDECK_BACKUP_DIR",
        default: ".data/backups",
        meaning: "Directory backup files are written to (created when missing); with several Opsdeck instances it must be storage they share",
    },
    Variable {
        name: "OPSDECK_SHUTDOWN_GRACE_SECS",
        default: "30",
        meaning: "On SIGTERM/Ctrl-C, how long in-flight requests may take to finish",
    },
];

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
    pub connections: crate::serve::ConnectionLimits,
    pub live_streams_per_user: usize,
    pub site_root: PathBuf,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub secure_cookies: bool,
    pub degraded_after: Duration,
    pub check_timeout: Duration,
    pub db_max_connections: u32,
    pub redis_prefix: String,
    pub shutdown_grace: Duration,
    pub audit_key: SecretBox<[u8]>,
    pub auth: AuthSettings,
    pub refusals: app::audit::ssr::refusals::RefusalSettings,
    pub ingest: IngestSettings,
    pub retention: RetentionSettings,
    /// Zero: self-monitoring is off.
    pub self_monitor_every: Duration,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    pub raw_days: u32,
    pub rollup_days: u32,
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
            connections: crate::serve::ConnectionLimits {
                max_connections: match get("OPSDECK_MAX_CONNECTIONS").raw.trim() {
                    "auto" => crate::serve::default_max_connections(),
                    _ => get("OPSDECK_MAX_CONNECTIONS").positive()?,
                },
                header_timeout: Duration::from_secs(get("OPSDECK_HEADER_TIMEOUT_SECS").positive()?),
                body_timeout: Duration::from_secs(get("OPSDECK_BODY_TIMEOUT_SECS").positive()?),
            },
            live_streams_per_user: get("OPSDECK_LIVE_STREAMS_PER_USER").positive()?,
            site_root: PathBuf::from(get("OPSDECK_SITE_ROOT").raw),
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
            },
            self_monitor_every: Duration::from_secs(get("OPSDECK_SELF_MONITOR_SECS").parse("a number of seconds")?),
            audit_anchor_every: Duration::from_secs(get("OPSDECK_AUDIT_ANCHOR_SECS").parse("a number of seconds")?),
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
        })
    }

    /// The database URL with any password replaced, for log lines.
    pub fn database_url_for_logs(&self) -> String {
        redact_password(self.database_url.expose_secret())
    }
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

/// `scheme://user:secret@host/db` → `scheme://user:***@host/db`.
/// Where the README's scripts keep a checkout's audit key (scripts/lib.sh).
pub const CHECKOUT_KEY_FILE: &str = ".data/audit.key";

/// `lookup`, except that an unset `OPSDECK_AUDIT_KEY` is read from
/// `.data/audit.key` in `dir` or its nearest ancestor that has one: the key
/// the scripts created, so `opsdeck audit verify` (or any command) run by
/// hand inside the repository uses the same key as the server they started.
pub fn with_checkout_key(lookup: impl Fn(&str) -> Option<String>, dir: &Path) -> impl Fn(&str) -> Option<String> {
    move |name| {
        let value = lookup(name).filter(|value| !value.trim().is_empty());
        if value.is_some() || name != "OPSDECK_AUDIT_KEY" {
            return value;
        }
        dir.ancestors()
            .find_map(|dir| std::fs::read_to_string(dir.join(CHECKOUT_KEY_FILE)).ok())
            .map(|key| key.trim().to_string())
            .filter(|key| !key.is_empty())
    }
}

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

/// The variables table as `--help` shows it.
pub fn variables_help() -> String {
    let mut text = String::from("Environment variables:\n");
    for v in VARIABLES {
        text.push_str(&format!("  {:<28} {} [default: {}]\n", v.name, v.meaning, v.default));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.entry("OPSDECK_AUDIT_KEY".into()).or_insert_with(|| KEY.into());
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_are_valid() {
        let config = config(&[]).expect("defaults parse");
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.degraded_after, Duration::from_millis(1000));
        assert!(!config.secure_cookies);
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let error = config(&[("OPSDECK_ADDR", "localhost")]).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "OPSDECK_ADDR: 'localhost' is not an address and port such as 127.0.0.1:3000"
        );
    }

    #[test]
    fn a_url_with_the_wrong_scheme_is_refused_without_echoing_it() {
        let error = config(&[("DATABASE_URL", "mysql://root:hunter2@db/x")]).expect_err("refused");
        assert_eq!(error.name, "DATABASE_URL");
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn log_format_must_be_text_or_json() {
        assert_eq!(
            config(&[("OPSDECK_LOG_FORMAT", "json")]).expect("json ok").log_format,
            LogFormat::Json
        );
        assert_eq!(
            config(&[("OPSDECK_LOG_FORMAT", "xml")]).expect_err("refused").name,
            "OPSDECK_LOG_FORMAT"
        );
    }

    #[test]
    fn zero_and_negative_numbers_are_refused() {
        assert_eq!(
            config(&[("OPSDECK_DB_MAX_CONNECTIONS", "0")])
                .expect_err("zero")
                .problem,
            "must be greater than zero"
        );
        assert_eq!(
            config(&[("OPSDECK_DEGRADED_MS", "-5")]).expect_err("negative").name,
            "OPSDECK_DEGRADED_MS"
        );
        assert_eq!(
            config(&[("OPSDECK_CHECK_TIMEOUT_MS", "0")]).expect_err("zero").name,
            "OPSDECK_CHECK_TIMEOUT_MS"
        );
    }

    #[test]
    fn timeout_must_exceed_the_degraded_threshold() {
        let error =
            config(&[("OPSDECK_DEGRADED_MS", "5000"), ("OPSDECK_CHECK_TIMEOUT_MS", "3000")]).expect_err("refused");
        assert_eq!(error.name, "OPSDECK_CHECK_TIMEOUT_MS");
    }

    #[test]
    fn the_audit_key_is_required_and_long_enough() {
        assert!(
            config(&[("OPSDECK_AUDIT_KEY", "")])
                .expect_err("missing")
                .problem
                .contains("is not set")
        );
        assert!(
            config(&[("OPSDECK_AUDIT_KEY", "abcd")])
                .expect_err("short")
                .problem
                .contains("at least 32")
        );
        let error = config(&[("OPSDECK_AUDIT_KEY", "zz")]).expect_err("not hex");
        assert_eq!(error.to_string(), "OPSDECK_AUDIT_KEY: is not hexadecimal");
    }

    #[test]
    fn passwords_are_redacted_for_logs() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_password("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../README.md");
        for v in VARIABLES {
            assert!(
                readme.contains(&format!("`{}`", v.name)),
                "README.md does not document {}",
                v.name
            );
        }
    }

    #[test]
    fn an_unset_audit_key_comes_from_the_checkouts_key_file() {
        let checkout = std::env::temp_dir().join(format!("opsdeck-key-{}", std::process::id()));
        let nested = checkout.join("server").join("src");
        std::fs::create_dir_all(checkout.join(".data")).expect("temp dir");
        std::fs::create_dir_all(&nested).expect("temp dir");
        std::fs::write(checkout.join(CHECKOUT_KEY_FILE), format!("{KEY}\n")).expect("key file");
        let no_key = |_: &str| None::<String>;
        let lookup = with_checkout_key(no_key, &nested);
        assert_eq!(
            lookup("OPSDECK_AUDIT_KEY").as_deref(),
            Some(KEY),
            "found from a subdirectory"
        );
        assert_eq!(lookup("DATABASE_URL"), None, "only the audit key");
        let config = Config::from_lookup(lookup).expect("the key file's key is valid");
        assert_eq!(hex::encode(config.audit_key.expose_secret()), KEY);
        // The environment wins over the file.
        let other = "ff".repeat(32);
        let from_env = with_checkout_key(
            |name: &str| (name == "OPSDECK_AUDIT_KEY").then(|| other.clone()),
            &nested,
        );
        assert_eq!(from_env("OPSDECK_AUDIT_KEY"), Some(other.clone()));
        std::fs::remove_dir_all(&checkout).ok();
    }
}
