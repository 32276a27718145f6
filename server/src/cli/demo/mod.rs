//! `opsdeck demo`: realistic traffic for a few fictional services, sent
//! through the real ingest API with a real API key, so a first run has
//! living dashboards (and, later, alerts that fire).
//!
//! Every service is named `demo-…`, so the data is labelled as generated on
//! every page that shows it. Traffic follows a daily rhythm (busiest around
//! 14:00 UTC) with noise; latencies are log-normal around each endpoint's
//! median; now and then a service has an incident: a few minutes of 5–10×
//! slower answers and about 20 % server errors. The services also log
//! (`log_lines.rs`): a sample of their requests and every failure, through
//! the log door, so the Logs page and its live tail have lines too.

use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use serde_json::json;

use crate::config::Config;

pub mod backfill;
mod generator;
mod log_lines;
mod slos;

use generator::Generator;

/// One fictional endpoint: its share of the service's traffic, its median
/// latency and its usual share of server errors.
struct Endpoint {
    method: &'static str,
    path: &'static str,
    weight: f64,
    median_ms: f64,
    error_rate: f64,
}

struct Service {
    name: &'static str,
    /// Requests per second at the daily peak.
    peak_rps: f64,
    endpoints: &'static [Endpoint],
}

const fn ep(method: &'static str, path: &'static str, weight: f64, median_ms: f64, error_rate: f64) -> Endpoint {
    Endpoint {
        method,
        path,
        weight,
        median_ms,
        error_rate,
    }
}

const SERVICES: &[Service] = &[
    Service {
        name: "demo-checkout",
        peak_rps: 12.0,
        endpoints: &[
            ep("GET", "/cart", 5.0, 35.0, 0.002),
            ep("POST", "/cart/items", 3.0, 60.0, 0.004),
            ep("POST", "/checkout", 1.0, 240.0, 0.01),
        ],
    },
    Service {
        name: "demo-catalog",
        peak_rps: 25.0,
        endpoints: &[
            ep("GET", "/products", 6.0, 45.0, 0.001),
            ep("GET", "/products/:id", 8.0, 20.0, 0.001),
            ep("GET", "/categories", 1.0, 15.0, 0.0),
        ],
    },
    Service {
        name: "demo-search",
        peak_rps: 15.0,
        endpoints: &[
            ep("GET", "/search", 9.0, 80.0, 0.003),
            ep("GET", "/suggest", 6.0, 12.0, 0.001),
        ],
    },
    Service {
        name: "demo-payments",
        peak_rps: 4.0,
        endpoints: &[
            ep("POST", "/payments", 3.0, 320.0, 0.008),
            ep("POST", "/refunds", 0.3, 400.0, 0.01),
            ep("GET", "/payments/:id", 2.0, 25.0, 0.001),
        ],
    },
];

/// Spread of the log-normal latencies (σ of the underlying normal).
const SIGMA: f64 = 0.45;
/// Chance per service and second that an incident starts (about one an hour per service).
const INCIDENT_CHANCE: f64 = 1.0 / 3600.0;

pub struct DemoArgs {
    pub url: String,
    pub key: Option<String>,
    /// Days of past traffic to store first (`backfill.rs`; 0: none).
    pub backfill_days: i64,
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    // Demo alert rules, so the demo's incidents fire (and resolve) alerts.
    match crate::startup::Application::state_for_cli(config.clone()).await {
        Ok(state) => {
            ensure_demo_rules(&state).await;
            slos::ensure(&state).await;
            backfill(&state, args.backfill_days).await;
        }
        Err(error) => eprintln!("opsdeck demo: no demo alert rules and no backfill ({error})"),
    }
    let key = match args.key {
        Some(key) => key,
        None => create_key(config).await?,
    };
    send_until(&args.url, &key, crate::startup::shutdown_signal()).await
}

/// Stores the past `days` of demo traffic, once per database, saying what it did.
async fn backfill(state: &app::state::AppState, days: i64) {
    let started = std::time::Instant::now();
    match backfill::run(state, days, Utc::now()).await {
        Ok(done) if done.hours == 0 && done.alert_events == 0 => {}
        Ok(done) => eprintln!(
            "opsdeck demo: backfilled {} hours of GENERATED demo traffic ({} requests, {} deployments, {} alert events) in {:.1} s",
            done.hours,
            done.requests,
            done.deployments,
            done.alert_events,
            started.elapsed().as_secs_f64()
        ),
        Err(error) => eprintln!("opsdeck demo: the backfill stopped ({error:#}); a restart resumes it"),
    }
}

/// Sends a batch every second to the Opsdeck at `url` until `stop` completes.
pub async fn send_until(url: &str, key: &str, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let endpoint = format!("{}/api/v1/ingest", url.trim_end_matches('/'));
    let names: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
    eprintln!(
        "opsdeck demo: sending GENERATED demo traffic for {} to {endpoint} every second (Ctrl-C stops)",
        names.join(", ")
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("building the HTTP client")?;
    let mut generator = Generator::new();
    let mut logs = log_lines::LogDoor::new(url);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(stop);
    let mut failures = 0u32;
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        let second = generator.second(Utc::now(), &mut rand::thread_rng());
        let batch = json!({ "requests": second.requests, "samples": second.samples });
        let sent = client.post(&endpoint).bearer_auth(key).json(&batch).send().await;
        match sent {
            Ok(response) if response.status().is_success() => failures = 0,
            Ok(response)
                if response.status() == reqwest::StatusCode::UNAUTHORIZED
                    || response.status() == reqwest::StatusCode::FORBIDDEN =>
            {
                anyhow::bail!(
                    "the ingest API refused the key ({}); pass a live key with the ingest scope",
                    response.status()
                );
            }
            Ok(response) => report(
                &mut failures,
                &format!(
                    "the ingest API answered {}; this second's data is skipped",
                    response.status()
                ),
            ),
            Err(error) => report(
                &mut failures,
                &format!("cannot reach {endpoint} ({error}); this second's data is skipped"),
            ),
        }
        if logs.on && !second.logs.is_empty() {
            logs.send(&client, key, &second.logs).await;
        }
    }
    eprintln!("opsdeck demo: stopped");
    Ok(())
}

/// Logs the first failure of a run of them, then every 30th.
pub(super) fn report(failures: &mut u32, message: &str) {
    if failures.is_multiple_of(30) {
        eprintln!("opsdeck demo: {message}");
    }
    *failures += 1;
}

/// An ingest key named after the demo, made the way `opsdeck api-key create` makes one.
/// The demo's alert rule for `service`: more than 10 % of its requests failed
/// over 2 minutes, for a minute; resolved under 3 %.
pub fn demo_rule(service: &str) -> app::alerts::rule::RuleDraft {
    use app::alerts::{Aggregation, Comparator, NoDataPolicy, Severity};
    app::alerts::rule::RuleDraft {
        name: format!("Demo: {service} error rate"),
        description: "Created by `opsdeck demo` for its generated traffic; incidents make it fire.".into(),
        service: service.into(),
        endpoint: None,
        metric: None,
        matchers: Default::default(),
        log_query: None,
        error_issue: None,
        aggregation: Aggregation::ErrorRate,
        window_secs: 120,
        comparator: Comparator::Gt,
        threshold: 10.0,
        recovery_threshold: Some(3.0),
        for_secs: 60,
        no_data: NoDataPolicy::Ok,
        severity: Severity::Critical,
        labels: [("demo".to_string(), "true".to_string())].into(),
        summary: "{{name}}: {{value}} % of requests fail".into(),
        channels: Vec::new(),
        enabled: true,
    }
}

/// Creates the demo rules that do not exist yet (audited as the CLI).
pub async fn ensure_demo_rules(state: &app::state::AppState) {
    use app::audit::ssr::{Actor, Audited, ClientInfo};
    let existing: Vec<String> = match sqlx::query_scalar("SELECT name FROM alert_rules")
        .fetch_all(&state.db)
        .await
    {
        Ok(names) => names,
        Err(error) => {
            eprintln!("opsdeck demo: no demo alert rules ({error})");
            return;
        }
    };
    for service in SERVICES {
        let draft = demo_rule(service.name);
        if existing.contains(&draft.name) {
            continue;
        }
        let client = ClientInfo::cli("opsdeck demo");
        let saved = match Audited::begin(state, Actor::cli(), client, "demo: begin").await {
            Ok(change) => app::alerts::ssr::manage::save(change, None, &draft, "alert_rule.create").await,
            Err(error) => Err(error),
        };
        match saved {
            Ok(_) => eprintln!("opsdeck demo: created the alert rule \"{}\"", draft.name),
            Err(error) => eprintln!("opsdeck demo: could not create \"{}\": {error}", draft.name),
        }
    }
}

async fn create_key(config: Config) -> anyhow::Result<String> {
    use app::api_keys::Scope;
    use app::api_keys::ssr::NewApiKey;
    use app::audit::ssr::{Actor, ClientInfo};
    let new = NewApiKey::parse(
        "demo traffic (opsdeck demo)",
        vec![Scope::Ingest, Scope::Logs],
        0,
        Utc::now(),
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let state = crate::startup::Application::state_for_cli(config).await?;
    let actor = Actor::cli();
    let client = ClientInfo::cli("opsdeck demo");
    let created = app::api_keys::ssr::manage::create(&state, actor, client, new)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    eprintln!(
        "opsdeck demo: created ingest key {} for the demo (revoke it on the API keys page when done)",
        created.key.masked()
    );
    Ok(created.secret.to_string())
}

#[cfg(test)]
mod tests;
