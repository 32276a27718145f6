//! What an admin types as a target's URL: its scheme says the kind
//! (`postgres://`/`postgresql://`, `redis://`/`rediss://`). Its `Debug`
//! never shows a password; pages show [`TargetUrl::location`] only.

use url::Url;

use crate::backups::ssr::connection::ConnectionUrl;
use crate::datastores::targets::StoreKind;
use crate::error::AppError;

/// A Redis URL: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(Url);

/// A target's connection URL.
#[derive(Clone, PartialEq, Eq)]
pub enum TargetUrl {
    Postgres(ConnectionUrl),
    Redis(RedisUrl),
}

impl std::fmt::Debug for TargetUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TargetUrl({})", self.location())
    }
}

const FIELD: &str = "connection_url";

impl RedisUrl {
    pub fn parse(text: &str) -> Result<RedisUrl, AppError> {
        let invalid = || {
            AppError::validation(
                FIELD,
                "Enter a URL like redis://:password@host:6379/0 (rediss:// for TLS).",
            )
        };
        let url = Url::parse(text.trim()).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "redis" | "rediss") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid());
        }
        let db = url.path().trim_start_matches('/');
        if !db.is_empty() && db.parse::<u16>().is_err() {
            return Err(AppError::validation(
                FIELD,
                "The path is the database number, e.g. …:6379/0.",
            ));
        }
        Ok(RedisUrl(url))
    }

    /// `host:port/db`.
    pub fn location(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        let port = self.0.port().unwrap_or(6379);
        let db = match self.0.path().trim_start_matches('/') {
            "" => "0",
            db => db,
        };
        let tls = if self.uses_tls() { " (TLS)" } else { "" };
        format!("{host}:{port}/{db}{tls}")
    }

    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether it asks for TLS (`rediss://`).
    pub fn uses_tls(&self) -> bool {
        self.0.scheme() == "rediss"
    }

    fn password(&self) -> Option<String> {
        self.0.password().map(crate::url::percent_decode)
    }
}

impl TargetUrl {
    /// The URL typed into `connection_url`; its scheme says the kind.
    pub fn parse(text: &str) -> Result<TargetUrl, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::validation(FIELD, "Enter the connection URL."));
        }
        let scheme = text.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => ConnectionUrl::parse(text).map(TargetUrl::Postgres),
            Some("redis" | "rediss") => RedisUrl::parse(text).map(TargetUrl::Redis),
            _ => Err(AppError::validation(
                FIELD,
                "Use a postgres://, postgresql://, redis:// or rediss:// URL.",
            )),
        }
    }

    /// A stored URL (opened from its seal) of a target of `kind`.
    pub fn stored(kind: StoreKind, text: &str) -> Result<TargetUrl, String> {
        let url = TargetUrl::parse(text).map_err(|_| "the stored connection URL is not usable".to_string())?;
        if url.kind() != kind {
            return Err("the stored connection URL is not of the target's kind".into());
        }
        Ok(url)
    }

    pub fn kind(&self) -> StoreKind {
        match self {
            TargetUrl::Postgres(_) => StoreKind::Postgres,
            TargetUrl::Redis(_) => StoreKind::Redis,
        }
    }

    pub fn location(&self) -> String {
        match self {
            TargetUrl::Postgres(url) => url.location(),
            TargetUrl::Redis(url) => url.location(),
        }
    }

    /// The whole URL, for connecting and for sealing.
    pub fn expose(&self) -> &str {
        match self {
            TargetUrl::Postgres(url) => url.expose(),
            TargetUrl::Redis(url) => url.expose(),
        }
    }

    /// `text` (an error's words) without the URL's password.
    pub fn redact(&self, text: &str) -> String {
        match self {
            TargetUrl::Postgres(url) => url.redact(text),
            TargetUrl::Redis(url) => match url.password().filter(|p| !p.is_empty()) {
                Some(password) => text.replace(&password, "***"),
                None => text.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_says_the_kind() {
        let pg = TargetUrl::parse("postgres://u:p@db.example:5433/orders").expect("postgres");
        assert_eq!(pg.kind(), StoreKind::Postgres);
        assert_eq!(pg.location(), "db.example:5433/orders");
        let redis = TargetUrl::parse("rediss://:secret@cache.example/2").expect("redis");
        assert_eq!(redis.kind(), StoreKind::Redis);
        assert_eq!(redis.location(), "cache.example:6379/2 (TLS)");
        assert_eq!(redis.redact("auth secret failed"), "auth *** failed");
        assert!(!format!("{redis:?}").contains("secret"));
    }

    #[test]
    fn other_schemes_and_broken_urls_are_refused_on_the_url_field() {
        for text in [
            "",
            "mysql://h/db",
            "redis://",
            "redis://h/x",
            "postgres://h",
            "nonsense",
        ] {
            match TargetUrl::parse(text) {
                Err(AppError::Validation { field, .. }) => assert_eq!(field, "connection_url", "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
