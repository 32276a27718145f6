//! Sending one notification to one channel: the body its kind expects, an
//! HMAC-SHA256 signature receivers can check, and what happened.
//!
//! Every request carries `X-Opsdeck-Timestamp` (Unix seconds),
//! `X-Opsdeck-Signature: sha256=<hex>` — the HMAC-SHA256, keyed with the
//! channel's secret, of `<timestamp>.<body>` — and `X-Opsdeck-Delivery` (the
//! delivery's id, the same on every retry, so a receiver can drop repeats).

use std::time::Instant;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::channels::Target;
use crate::alerts::AlertState;
use crate::alerts::notify::{Attempt, ChannelKind, Notification, NotificationKind};
pub use crate::alerts::settings::{NotifySettings, TIMEOUT};
use crate::secrets::{CHANNEL_SECRET, CHANNEL_URL};

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn link(settings: &NotifySettings, notification: &Notification) -> String {
    if let Some(path) = &notification.about {
        return format!("{}{path}", settings.public_url);
    }
    match notification.rule_id {
        Some(id) => format!("{}/alerts/rules/{id}", settings.public_url),
        None => format!("{}/alerts/channels", settings.public_url),
    }
}

/// The request body `kind` expects.
pub fn body(kind: ChannelKind, delivery_id: i64, notification: &Notification, url: &str) -> Value {
    if let Some(report) = &notification.report {
        return match kind {
            ChannelKind::Webhook => json!({
                "version": 1,
                "delivery_id": delivery_id,
                "kind": notification.kind,
                "title": notification.rule,
                "summary": notification.summary,
                "report": report,
                "at": notification.at,
                "url": url,
            }),
            ChannelKind::Slack => {
                json!({ "text": format!("*{}*\n{}\n<{url}|Open the report>", notification.rule, notification.summary) })
            }
        };
    }
    match kind {
        ChannelKind::Webhook => json!({
            "version": 1,
            "delivery_id": delivery_id,
            "kind": notification.kind,
            "rule": {
                "id": notification.rule_id,
                "name": notification.rule,
                "severity": notification.severity,
                "labels": notification.labels,
            },
            "state": notification.state,
            "previous_state": notification.previous_state,
            "value": notification.value,
            "threshold": notification.threshold,
            "summary": notification.summary,
            "at": notification.at,
            "url": url,
        }),
        ChannelKind::Slack => json!({ "text": slack_text(notification, url) }),
    }
}

fn slack_text(notification: &Notification, url: &str) -> String {
    let headline = match (notification.kind, notification.state) {
        (NotificationKind::Test, _) => "Test notification".to_string(),
        (NotificationKind::Report, _) => "Scheduled report".to_string(),
        (NotificationKind::Repeat, _) => "Still firing".to_string(),
        (_, AlertState::Firing) => "Firing".to_string(),
        (_, AlertState::Resolved) => "Resolved".to_string(),
        (_, state) => state.as_str().to_string(),
    };
    format!(
        "*{headline}* · {} ({})\n{}\n<{url}|Open in Opsdeck>",
        notification.rule,
        notification.severity.as_str(),
        notification.summary
    )
}

/// Sends `notification` (delivery `delivery_id`) to `target` once.
pub async fn send(
    settings: &NotifySettings,
    target: &Target,
    delivery_id: i64,
    notification: &Notification,
) -> Attempt {
    let at: DateTime<Utc> = Utc::now();
    let opened = settings.keys.open(CHANNEL_URL, &target.url).and_then(|url| {
        let secret = settings.keys.open(CHANNEL_SECRET, &target.secret)?;
        Ok((url, secret))
    });
    let (url, secret) = match opened {
        Ok(opened) => opened,
        Err(problem) => {
            tracing::error!(channel = target.id, %problem, "a channel's stored address or secret does not open");
            return Attempt {
                at,
                status: None,
                latency_ms: 0,
                error: Some(format!(
                    "The channel's stored address or secret cannot be decrypted: {problem}"
                )),
            };
        }
    };
    let body = body(target.kind, delivery_id, notification, &link(settings, notification));
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let timestamp = at.timestamp();
    let started = Instant::now();
    let sent = settings
        .client()
        .post(&url)
        .header("content-type", "application/json")
        .header("x-opsdeck-timestamp", timestamp.to_string())
        .header("x-opsdeck-signature", signature(&secret, timestamp, &bytes))
        .header("x-opsdeck-delivery", delivery_id.to_string())
        .body(bytes)
        .send()
        .await;
    let outcome = match sent {
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let error = (!status.is_success()).then(|| {
                let snippet: String = text.chars().take(200).collect();
                format!("The receiver answered {status}: {}", snippet.trim())
                    .trim_end_matches(": ")
                    .to_string()
            });
            (Some(i32::from(status.as_u16())), error)
        }
        Err(error) => (None, Some(describe(&error))),
    };
    Attempt {
        at,
        status: outcome.0,
        latency_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
        error: outcome.1,
    }
}

/// A request error as an admin can act on it (its causes included).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!("No answer within {} s", TIMEOUT.as_secs());
    }
    let mut text = if error.is_connect() {
        "Could not connect".to_string()
    } else {
        "The request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let keys = crate::secrets::Keyring::new(&[7; 32], &[]).expect("key");
        let settings = NotifySettings::new("http://x/", Duration::from_secs(10), 5, keys);
        let waits: Vec<u64> = (1..=4).map(|n| settings.backoff(n).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 80]);
        assert_eq!(settings.backoff(30).as_secs(), 3600);
        assert_eq!(settings.public_url, "http://x");
    }
}
