//! Data stores an admin added to be watched beside Opsdeck's own: a
//! Postgres or Redis server with a name, a reading interval, on or off.
//! Their connection URLs are stored sealed (`crate::secrets`) and never
//! leave the server; pages show where they point without credentials.
//!
//! A target's samples and status carry the service name `pg:<name>` or
//! `redis:<name>` ([`StoreKind::service`]), so alert rules, charts and
//! retention treat them as any other service's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::health::Status;

/// The shortest and longest reading interval an admin may choose, and the
/// one a target gets from a backup target.
pub const MIN_INTERVAL_SECS: i32 = 10;
pub const MAX_INTERVAL_SECS: i32 = 3600;
pub const DEFAULT_INTERVAL_SECS: i32 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Postgres,
    Redis,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Postgres => "postgres",
            StoreKind::Redis => "redis",
        }
    }

    pub fn parse(text: &str) -> Option<StoreKind> {
        match text {
            "postgres" => Some(StoreKind::Postgres),
            "redis" => Some(StoreKind::Redis),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            StoreKind::Postgres => "Postgres",
            StoreKind::Redis => "Redis",
        }
    }

    /// The service name of a target's samples: `pg:<name>` or `redis:<name>`.
    pub fn service(self, name: &str) -> String {
        match self {
            StoreKind::Postgres => format!("pg:{name}"),
            StoreKind::Redis => format!("redis:{name}"),
        }
    }
}

/// A target as pages see it (never its URL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataStoreTarget {
    pub id: i64,
    pub kind: StoreKind,
    pub name: String,
    pub service: String,
    /// host:port/database, without credentials.
    pub location: String,
    pub interval_secs: i32,
    pub enabled: bool,
    /// The backup target it was made from, by name.
    pub from_backup: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    /// Why it is degraded or down (or that it is switched off).
    pub reason: Option<String>,
    pub last_read: Option<DateTime<Utc>>,
}

/// A backup target an admin may turn into a monitored target in one click.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupSource {
    pub id: i64,
    pub name: String,
    pub location: String,
    /// A monitored target already uses its connection.
    pub monitored: bool,
}

/// What the admins' management section lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetsAdmin {
    pub targets: Vec<DataStoreTarget>,
    pub backup_sources: Vec<BackupSource>,
}

/// What failed when connecting to or reading a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there (or a firewall refuses).
    Refused,
    /// Wrong password, unknown role or user.
    Authentication,
    Tls,
    Timeout,
    /// Connected, but may not read the statistics (`pg_monitor`, Redis ACLs).
    Permission,
    /// The database named in the URL does not exist.
    NoDatabase,
    Other,
}

impl Failure {
    /// How a message about it starts.
    pub fn label(self) -> &'static str {
        match self {
            Failure::Dns => "DNS: name not resolved",
            Failure::Refused => "Connection refused",
            Failure::Authentication => "Authentication failed",
            Failure::Tls => "TLS failed",
            Failure::Timeout => "Timeout",
            Failure::Permission => "Permission denied",
            Failure::NoDatabase => "No such database",
            Failure::Other => "Could not read",
        }
    }

    /// `detail` said with what failed first.
    pub fn message(self, detail: &str) -> String {
        format!("{}: {detail}", self.label())
    }
}

/// A target's name: 1–63 lowercase letters, digits, - or _ (as a backup target's).
pub fn parse_name(text: &str) -> Result<String, AppError> {
    if text.trim().is_empty() {
        return Err(AppError::validation("name", "Enter a name."));
    }
    crate::backups::parse_target_name(text)
}

/// The reading interval in seconds, 10 to 3600.
pub fn parse_interval(text: &str) -> Result<i32, AppError> {
    match text.trim().parse::<i32>() {
        Ok(secs) if (MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&secs) => Ok(secs),
        _ => Err(AppError::validation(
            "interval_secs",
            format!("Enter {MIN_INTERVAL_SECS} to {MAX_INTERVAL_SECS} seconds."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_words() {
        assert_eq!(parse_name(" Orders-DB ").as_deref(), Ok("orders-db"));
        assert!(parse_name("").is_err());
        assert!(parse_name("-x").is_err());
        assert!(parse_name("</textarea><script>\"").is_err());
        assert!(parse_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn intervals_are_ten_seconds_to_an_hour() {
        assert_eq!(parse_interval("10"), Ok(10));
        assert_eq!(parse_interval(" 3600 "), Ok(3600));
        for refused in ["9", "3601", "", "abc", "-5"] {
            assert!(parse_interval(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn services_say_the_kind() {
        assert_eq!(StoreKind::Postgres.service("orders"), "pg:orders");
        assert_eq!(StoreKind::Redis.service("cache"), "redis:cache");
    }
}
