//! Parsing what admins type for a target: its connection URL (kept secret:
//! pg_dump gets it without the password, which travels in `PGPASSWORD`,
//! so it never shows in a process list), its name, its schedules and the
//! name of a database to restore into.

use url::Url;

pub use crate::cron::{Schedule, next_occurrence};
use crate::error::AppError;

/// A Postgres connection URL. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionUrl(Url);

impl std::fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConnectionUrl({})", self.location())
    }
}

impl ConnectionUrl {
    /// `postgres://` or `postgresql://` with a database name.
    pub fn parse(text: &str) -> Result<ConnectionUrl, AppError> {
        let invalid = || {
            AppError::validation(
                "connection_url",
                "Enter a URL like postgres://user:password@host:5432/database.",
            )
        };
        let url = Url::parse(text.trim()).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(invalid());
        }
        let url = ConnectionUrl(url);
        if url.database().is_empty() {
            return Err(AppError::validation(
                "connection_url",
                "The URL must name the database, e.g. …:5432/orders.",
            ));
        }
        Ok(url)
    }

    /// The database the URL names.
    pub fn database(&self) -> String {
        let path = self.0.path().trim_start_matches('/');
        crate::url::percent_decode(path)
    }

    /// `host:port/database`, what pages and logs show.
    pub fn location(&self) -> String {
        let host = self.0.host_str().unwrap_or("local socket");
        match self.0.port() {
            Some(port) => format!("{host}:{port}/{}", self.database()),
            None => format!("{host}/{}", self.database()),
        }
    }

    /// The password, for `PGPASSWORD`.
    pub fn password(&self) -> Option<String> {
        self.0.password().map(crate::url::percent_decode)
    }

    /// The URL without its password, for pg_dump's `--dbname`.
    pub fn without_password(&self) -> String {
        let mut url = self.0.clone();
        let _ = url.set_password(None);
        url.to_string()
    }

    /// The same server and credentials, another database.
    pub fn with_database(&self, database: &str) -> ConnectionUrl {
        let mut url = self.0.clone();
        url.set_path(&format!("/{database}"));
        ConnectionUrl(url)
    }

    /// The whole URL, for sqlx and for storing.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Hides the password (and its encoded form) in text such as pg_dump's stderr.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(raw) = self.0.password()
            && !raw.is_empty()
        {
            text = text.replace(raw, "***");
            if let Some(decoded) = self.password() {
                text = text.replace(&decoded, "***");
            }
        }
        text
    }
}

pub use crate::backups::parse_target_name;

/// A database to restore into: a plain lowercase identifier, so it needs
/// no quoting anywhere and cannot smuggle anything into SQL.
pub fn parse_database_name(text: &str) -> Result<String, AppError> {
    let name = text.trim();
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(AppError::validation(
            "database",
            "Use 1–63 lowercase letters, digits or _, starting with a letter or _.",
        ));
    }
    if matches!(name, "postgres" | "template0" | "template1") {
        return Err(AppError::validation("database", "Choose a name of your own."));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_show_host_and_database_only() {
        let url =
            ConnectionUrl::parse("postgres://app:s%40cret@db.internal:5433/orders?sslmode=require").expect("valid");
        assert_eq!(url.location(), "db.internal:5433/orders");
        assert_eq!(url.database(), "orders");
        assert_eq!(url.password().as_deref(), Some("s@cret"));
        assert!(!url.without_password().contains("cret"));
        assert!(url.without_password().contains("sslmode=require"));
        assert!(!format!("{url:?}").contains("cret"));
        assert_eq!(url.with_database("x").database(), "x");
        assert_eq!(url.redact("failed for s@cret and s%40cret"), "failed for *** and ***");
    }

    #[test]
    fn urls_need_the_postgres_scheme_and_a_database() {
        for bad in ["mysql://x@h/db", "postgres://h", "not a url", ""] {
            assert!(ConnectionUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_plain_identifiers() {
        assert_eq!(parse_target_name(" Orders-DB ").expect("valid"), "orders-db");
        assert!(parse_target_name("-x").is_err());
        assert!(parse_target_name("a b").is_err());
        assert_eq!(
            parse_database_name("orders_restored").expect("valid"),
            "orders_restored"
        );
        for bad in ["Orders", "1abc", "a-b", "x\"; DROP", "postgres", "", &"a".repeat(64)] {
            assert!(parse_database_name(bad).is_err(), "{bad}");
        }
    }
}
