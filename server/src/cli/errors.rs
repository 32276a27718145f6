//! `opsdeck errors …`: error tracking from scripts.
//!
//! - `dsn create --service S` creates a key with the `errors` scope for the
//!   service, exactly as `opsdeck api-key create --scope errors --service S`
//!   does (same code, audited alike), and prints its DSN on stdout.
//! - `send-test --dsn D` sends a real Sentry envelope (one exception event)
//!   to the DSN's Opsdeck over HTTP, as an SDK would, and prints the event's
//!   id and its issue's page.

use std::time::Duration;

use app::api_keys::CreatedApiKey;
use reqwest::Url;
use serde_json::{Value, json};

use super::api_keys::{CreateApiKey, create_key, describe};
use crate::config::Config;

/// Creates an errors key for `service`; its DSN goes to stdout.
pub async fn dsn_create(
    config: Config,
    service: String,
    name: Option<String>,
    expires_in_days: u32,
) -> anyhow::Result<()> {
    let created = create_dsn(config, service, name, expires_in_days).await?;
    describe(&created);
    let dsn = created
        .dsn
        .ok_or_else(|| anyhow::anyhow!("the key was created without a DSN"))?;
    println!("{dsn}");
    Ok(())
}

/// The key behind `dsn_create` (tests read it).
pub async fn create_dsn(
    config: Config,
    service: String,
    name: Option<String>,
    expires_in_days: u32,
) -> anyhow::Result<CreatedApiKey> {
    let args = CreateApiKey {
        name: name.unwrap_or_else(|| format!("{service} DSN")),
        scopes: vec!["errors".to_string()],
        service,
        expires_in_days,
    };
    create_key(config, args, "opsdeck errors dsn create").await
}

/// What `send-test` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentTest {
    pub event_id: String,
    /// The issue's page, when the server named the issue.
    pub issue_url: Option<String>,
}

pub async fn send_test_command(dsn: &str) -> anyhow::Result<()> {
    let sent = send_test(dsn).await?;
    println!("sent test event {}", sent.event_id);
    match sent.issue_url {
        Some(url) => println!("its issue: {url}"),
        None => println!("stored before (the same event id): nothing new"),
    }
    Ok(())
}

/// A DSN's parts: where to post, the key, and the site's base address.
struct Dsn {
    key: String,
    envelope_url: String,
    base: String,
}

fn parse_dsn(dsn: &str) -> anyhow::Result<Dsn> {
    let url = Url::parse(dsn).map_err(|error| anyhow::anyhow!("--dsn is not a URL ({error})"))?;
    let key = url.username();
    if key.is_empty() {
        anyhow::bail!("--dsn has no key: it looks like http(s)://<key>@<host>/<project>");
    }
    let path = url.path().trim_end_matches('/');
    let (prefix, project) = path.rsplit_once('/').unwrap_or(("", path));
    if project.parse::<u32>().is_err() {
        anyhow::bail!("--dsn does not end in a project number: http(s)://<key>@<host>/<project>");
    }
    let host = url.host_str().ok_or_else(|| anyhow::anyhow!("--dsn has no host"))?;
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    let base = format!("{}://{host}{port}{prefix}", url.scheme());
    Ok(Dsn {
        key: key.to_string(),
        envelope_url: format!("{base}/api/{project}/envelope/"),
        base,
    })
}

/// Sends one exception event to `dsn` as a Sentry envelope.
pub async fn send_test(dsn: &str) -> anyhow::Result<SentTest> {
    let dsn = parse_dsn(dsn)?;
    let event_id = hex::encode(rand::random::<[u8; 16]>());
    let body = envelope(&event_id);
    let version = env!("CARGO_PKG_VERSION");
    let auth = format!(
        "Sentry sentry_key={}, sentry_version=7, sentry_client=opsdeck-cli/{version}",
        dsn.key
    );
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?;
    let response = client
        .post(&dsn.envelope_url)
        .header("X-Sentry-Auth", auth)
        .header("Content-Type", "application/x-sentry-envelope")
        .body(body)
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("could not reach {}: {error}", dsn.envelope_url))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let why = answer["error"].as_str().unwrap_or("no reason given");
        anyhow::bail!("{} refused the test event: {status}: {why}", dsn.envelope_url);
    }
    let issue_url = answer["issue"]
        .as_i64()
        .map(|issue| format!("{}/errors/issues/{issue}", dsn.base));
    Ok(SentTest {
        event_id: answer["id"].as_str().unwrap_or(&event_id).to_string(),
        issue_url,
    })
}

fn envelope(event_id: &str) -> Vec<u8> {
    let now = chrono::Utc::now();
    let event = json!({
        "event_id": event_id,
        "timestamp": now.timestamp_millis() as f64 / 1000.0,
        "platform": "other",
        "level": "error",
        "logger": "opsdeck errors send-test",
        "release": format!("opsdeck@{}", env!("CARGO_PKG_VERSION")),
        "tags": { "source": "opsdeck errors send-test" },
        "sdk": { "name": "opsdeck.cli", "version": env!("CARGO_PKG_VERSION") },
        "exception": { "values": [{
            "type": "OpsdeckTestError",
            "value": "a test event from `opsdeck errors send-test`: this DSN's errors arrive",
            "stacktrace": { "frames": [
                { "module": "opsdeck::cli", "function": "run", "in_app": false },
                { "module": "opsdeck::cli::errors", "function": "send_test", "in_app": true }
            ] }
        }] }
    })
    .to_string();
    let header = json!({ "event_id": event_id, "sent_at": now.to_rfc3339() });
    let item = json!({ "type": "event", "length": event.len() });
    format!("{header}\n{item}\n{event}\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsns_name_the_envelope_door_and_the_key() {
        let dsn = parse_dsn("https://odk_Ab_cd@ops.example.com:8443/3").expect("valid");
        assert_eq!(dsn.key, "odk_Ab_cd");
        assert_eq!(dsn.envelope_url, "https://ops.example.com:8443/api/3/envelope/");
        assert_eq!(dsn.base, "https://ops.example.com:8443");
        let behind_a_prefix = parse_dsn("http://k@h/ops/7").expect("valid");
        assert_eq!(behind_a_prefix.envelope_url, "http://h/ops/api/7/envelope/");
        assert!(parse_dsn("http://h/3").is_err(), "no key");
        assert!(parse_dsn("http://k@h/three").is_err(), "no project");
        assert!(parse_dsn("not a url").is_err());
    }

    #[test]
    fn the_envelope_frames_one_event() {
        let body = envelope("0123456789abcdef0123456789abcdef");
        let parsed = app::errors::ssr::envelope::parse(&body).expect("an envelope");
        assert_eq!(parsed.items.len(), 1);
        assert_eq!(parsed.items[0].kind, "event");
    }
}
