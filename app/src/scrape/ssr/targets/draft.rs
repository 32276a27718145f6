//! The add and edit form checked: every field's problem at once.

use std::collections::BTreeMap;

use crate::error::{AppError, FieldErrors};
use crate::metrics::ingest::{MAX_LABEL_CHARS, MAX_NAME_CHARS, checked_text};
use crate::scrape::targets::{MAX_INTERVAL_SECS, MAX_TIMEOUT_SECS, MIN_INTERVAL_SECS, TargetForm};

/// Most labels a target adds to its series.
pub const MAX_TARGET_LABELS: usize = 10;
const MAX_URL_CHARS: usize = 2_000;
const MAX_TOKEN_CHARS: usize = 4_096;

/// What happens to the stored bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenChange {
    Keep,
    Set(String),
    Clear,
}

/// A checked form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub service: String,
    pub url: String,
    pub interval_secs: i32,
    pub timeout_secs: i32,
    pub labels: BTreeMap<String, String>,
    pub token: TokenChange,
    pub enabled: bool,
}

impl Draft {
    pub fn parse(form: &TargetForm) -> Result<Draft, AppError> {
        let mut errors = FieldErrors::default();
        let service = errors.take(
            checked_text("service", form.service.trim(), MAX_NAME_CHARS, false)
                .map_err(|(field, message)| AppError::validation(field, message)),
        );
        let url = errors.take(checked_url(form.url.trim()));
        let interval_secs = errors.take(seconds(
            "interval_secs",
            &form.interval_secs,
            MIN_INTERVAL_SECS,
            MAX_INTERVAL_SECS,
        ));
        let timeout_secs = errors.take(seconds("timeout_secs", &form.timeout_secs, 1, MAX_TIMEOUT_SECS));
        if let (Some(interval), Some(timeout)) = (interval_secs, timeout_secs)
            && timeout > interval
        {
            errors.push("timeout_secs", "must be at most the interval");
        }
        let labels = errors.take(labels(&form.labels));
        let token = form.bearer_token.trim();
        if token.chars().count() > MAX_TOKEN_CHARS || token.chars().any(char::is_control) {
            errors.push(
                "bearer_token",
                format!("must be at most {MAX_TOKEN_CHARS} characters, on one line"),
            );
        }
        errors.check()?;
        let token = match (form.clear_token.is_some(), token.is_empty()) {
            (true, _) => TokenChange::Clear,
            (false, true) => TokenChange::Keep,
            (false, false) => TokenChange::Set(token.to_string()),
        };
        match (service, url, interval_secs, timeout_secs, labels) {
            (Some(service), Some(url), Some(interval_secs), Some(timeout_secs), Some(labels)) => Ok(Draft {
                service,
                url,
                interval_secs,
                timeout_secs,
                labels,
                token,
                enabled: form.enabled.is_some(),
            }),
            _ => Err(AppError::Internal),
        }
    }
}

/// An `http(s)://host[:port]/path` URL without credentials (a token goes in its own field).
fn checked_url(text: &str) -> Result<String, AppError> {
    let problem = |message: &str| AppError::validation("url", message);
    if text.is_empty() {
        return Err(problem("is required"));
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(problem("must be at most 2000 characters"));
    }
    let url = url::Url::parse(text).map_err(|error| AppError::validation("url", format!("is not a URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(problem("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(problem("must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem("must not hold a user or password; put a token in Bearer token"));
    }
    Ok(url.to_string())
}

/// The `instance` label of a target's series: its URL's host and port.
pub fn instance_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_string();
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_string())
}

fn seconds(field: &str, text: &str, min: i32, max: i32) -> Result<i32, AppError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|secs| (min..=max).contains(secs))
        .ok_or_else(|| AppError::validation(field, format!("must be a whole number of seconds from {min} to {max}")))
}

/// `name=value` per line; names are Prometheus label names.
fn labels(text: &str) -> Result<BTreeMap<String, String>, AppError> {
    let mut labels = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let Some((name, value)) = line.split_once('=') else {
            return Err(AppError::validation("labels", format!("“{line}” is not name=value")));
        };
        let (name, value) = (name.trim(), value.trim());
        let valid = name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        if name.is_empty() || !valid {
            return Err(AppError::validation(
                "labels",
                format!("“{name}” is not a label name (letters, digits and _, not starting with a digit)"),
            ));
        }
        if value.chars().count() > MAX_LABEL_CHARS || value.chars().any(char::is_control) {
            return Err(AppError::validation(
                "labels",
                format!("the value of {name} must be at most {MAX_LABEL_CHARS} characters"),
            ));
        }
        labels.insert(name.to_string(), value.to_string());
    }
    if labels.len() > MAX_TARGET_LABELS {
        return Err(AppError::validation(
            "labels",
            format!("at most {MAX_TARGET_LABELS} labels"),
        ));
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(url: &str, interval: &str, timeout: &str, labels: &str) -> TargetForm {
        TargetForm {
            service: "node".into(),
            url: url.into(),
            interval_secs: interval.into(),
            timeout_secs: timeout.into(),
            labels: labels.into(),
            ..TargetForm::default()
        }
    }

    fn problem(form: &TargetForm) -> String {
        Draft::parse(form)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_good_form_is_a_draft() {
        let draft = Draft::parse(&form(
            "http://127.0.0.1:9100/metrics",
            "15",
            "10",
            "env=prod\n\nteam = ops",
        ))
        .expect("a draft");
        assert_eq!(draft.url, "http://127.0.0.1:9100/metrics");
        assert_eq!(draft.labels.len(), 2);
        assert_eq!(draft.labels["team"], "ops");
        assert_eq!(draft.token, TokenChange::Keep);
        assert_eq!(instance_of(&draft.url), "127.0.0.1:9100");
        assert_eq!(instance_of("https://example.com/metrics"), "example.com:443");
    }

    #[test]
    fn each_bad_field_is_named() {
        for (form, expected) in [
            (form("ftp://host/metrics", "15", "10", ""), "http:// or https://"),
            (
                form("http://user:pw@host/metrics", "15", "10", ""),
                "must not hold a user or password",
            ),
            (form("not a url", "15", "10", ""), "is not a URL"),
            (form("http://host/metrics", "4", "1", ""), "from 5 to 3600"),
            (
                form("http://host/metrics", "15", "20", ""),
                "must be at most the interval",
            ),
            (
                form("http://host/metrics", "15", "10", "just text"),
                "is not name=value",
            ),
            (form("http://host/metrics", "15", "10", "9x=1"), "is not a label name"),
        ] {
            assert!(
                problem(&form).contains(expected),
                "{} should say {expected}",
                problem(&form)
            );
        }
    }
}
