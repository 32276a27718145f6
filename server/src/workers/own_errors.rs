//! Opsdeck's own failures into the errors store (every instance): drains
//! this instance's channel (`http::own_failures` fills it), writes each
//! failure as a record of Opsdeck's own JSON (`POST /api/v1/errors`'s
//! format) and stores it exactly as that door does — checked, prepared,
//! scrubbed, grouped — as service `opsdeck`, whose project is created on
//! first use.
//!
//! A batch that cannot be stored is dropped and counted
//! (`opsdeck_own_errors_flush_failures_total`) with a warning; the worker
//! never answers HTTP, so its own failures cannot feed on themselves.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use app::api_keys::ErrorProject;
use app::api_keys::ssr::error_project_for;
use app::errors::ssr::event::{PreparedEvent, prepare_value};
use app::errors::ssr::json_event::to_sentry;
use app::errors::ssr::store::{Sender, StoreError, store_from};
use app::state::AppState;

use crate::prometheus::COUNTERS;
use crate::telemetry::SERVICE;

/// Failures the channel holds before new ones are dropped.
pub const BUFFER: usize = 1_000;
/// Most failures per stored batch.
const BATCH: usize = 100;
/// Pause after a failed store.
const AFTER_FAILURE: Duration = Duration::from_secs(1);

/// One failed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnFailure {
    pub at: DateTime<Utc>,
    pub method: String,
    /// The route's pattern (`/api/v1/deployments/{id}`), else the path.
    pub route: String,
    pub status: u16,
    /// The panic's message, when the request panicked.
    pub panic: Option<String>,
}

impl OwnFailure {
    /// The failure as a record of Opsdeck's own JSON for error events.
    pub fn record(&self) -> Value {
        let transaction = format!("{} {}", self.method, self.route);
        let status = axum::http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or_default();
        let mut record = json!({
            "timestamp": self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "release": format!("opsdeck@{}", env!("CARGO_PKG_VERSION")),
            "transaction": transaction,
            "request": { "method": self.method, "url": self.route },
            "tags": { "status": self.status.to_string(), "route": self.route },
        });
        match &self.panic {
            Some(message) => {
                record["level"] = json!("fatal");
                record["exception"] = json!({ "type": "panic", "value": message });
                // The same panic in two handlers is two problems.
                record["fingerprint"] = json!([transaction, "{{ default }}"]);
            }
            None => {
                record["level"] = json!("error");
                record["message"] = json!(format!("{transaction} answered {} {status}", self.status));
                record["fingerprint"] = json!(["http-5xx", transaction, self.status.to_string()]);
            }
        }
        record
    }
}

/// The running worker; dropping it stops it.
pub struct OwnErrors(tokio::task::JoinHandle<()>);

impl Drop for OwnErrors {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState, failures: mpsc::Receiver<OwnFailure>) -> OwnErrors {
    OwnErrors(tokio::spawn(run(state, failures)))
}

async fn run(state: AppState, mut failures: mpsc::Receiver<OwnFailure>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut project: Option<ErrorProject> = None;
    loop {
        if failures.recv_many(&mut batch, BATCH).await == 0 {
            return;
        }
        let settings = &state.error_settings();
        let now = Utc::now();
        let events: Vec<PreparedEvent> = batch
            .drain(..)
            .filter_map(|failure| {
                let event = to_sentry(&failure.record(), 1).ok()?;
                prepare_value(event, None, now, settings.retention_days, &settings.extra_scrub_keys).ok()
            })
            .collect();
        let stored = async {
            if project.is_none() {
                let mut conn = state.db.acquire().await?;
                let id = error_project_for(&mut conn, SERVICE).await?;
                project = Some(ErrorProject {
                    id,
                    service: SERVICE.to_string(),
                });
            }
            match &project {
                Some(project) => store_from(&state.db, &state.audit_key, Sender::Opsdeck, project, &events)
                    .await
                    .map(drop),
                None => Ok::<(), StoreError>(()),
            }
        }
        .await;
        if let Err(error) = stored {
            COUNTERS.own_errors_flush_failed();
            tracing::warn!(%error, "could not store Opsdeck's own failures as error events; dropping them");
            tokio::time::sleep(AFTER_FAILURE).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(panic: Option<&str>) -> OwnFailure {
        OwnFailure {
            at: Utc::now(),
            method: "POST".into(),
            route: "/api/v1/deployments/{id}".into(),
            status: if panic.is_some() { 500 } else { 503 },
            panic: panic.map(str::to_string),
        }
    }

    #[test]
    fn failures_are_records_the_json_door_accepts() {
        let answered = to_sentry(&failure(None).record(), 1).expect("valid record");
        assert_eq!(
            answered["logentry"]["formatted"],
            "POST /api/v1/deployments/{id} answered 503 Service Unavailable"
        );
        assert_eq!(answered["level"], "error");
        let panicked = to_sentry(&failure(Some("index out of bounds")).record(), 1).expect("valid record");
        assert_eq!(panicked["exception"]["values"][0]["type"], "panic");
        assert_eq!(panicked["exception"]["values"][0]["value"], "index out of bounds");
        assert_eq!(panicked["level"], "fatal");
        assert_eq!(panicked["transaction"], "POST /api/v1/deployments/{id}");
    }
}
