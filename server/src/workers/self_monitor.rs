//! Opsdeck watches itself: its own HTTP requests (service `opsdeck`) and its
//! health checks go through the same pipeline as any emitter's data
//! (`store_batch` in one transaction, then the live fan-out), so a fresh
//! install has real data on every chart.
//!
//! The middleware only pushes a record into a bounded buffer (a full buffer
//! drops the record and counts it in `/metrics`: measuring must never slow
//! the request it measures); a task flushes the buffer at least every 5 s
//! and samples the health checks every `OPSDECK_SELF_MONITOR_SECS`.
//!
//! Endpoints are the endpoint table's patterns (`/audit/*`, server function
//! paths), so their number is bounded; anything else is `other`. Not
//! recorded: `/health`, `/ready` and `/metrics` (probes and scrapers would
//! outnumber people and every scrape would feed the next), static files
//! (`/pkg/*`, icons, ECharts: they say nothing about Opsdeck's work), and
//! `/api/v1/live` (a stream lasts minutes; its "duration" would swamp the
//! latency percentiles). Duration is the time to the response's head.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use tokio::sync::mpsc;

use app::auth::endpoints::TABLE;
use app::health::{ServiceCheck, Status};
use app::metrics::{IngestBatch, MetricKind, MetricSample, RequestEvent};
use app::state::AppState;

use crate::prometheus::COUNTERS;

/// The service name Opsdeck's own data is stored under.
pub const SERVICE: &str = "opsdeck";
/// Requests buffered between flushes before new ones are dropped.
const BUFFER: usize = 10_000;
/// Longest time a request waits in the buffer.
const FLUSH_AT_LEAST_EVERY: Duration = Duration::from_secs(5);

/// The middleware's end of the buffer; `None` when self-monitoring is off.
#[derive(Clone)]
pub struct Recorder(Option<mpsc::Sender<RequestEvent>>);

/// The flusher's end.
pub struct Buffer(mpsc::Receiver<RequestEvent>);

/// A recorder and its buffer; `every` zero turns recording off.
pub fn channel(every: Duration) -> (Recorder, Option<Buffer>) {
    if every.is_zero() {
        return (Recorder(None), None);
    }
    let (sender, receiver) = mpsc::channel(BUFFER);
    (Recorder(Some(sender)), Some(Buffer(receiver)))
}

/// The endpoint a path is recorded under, or `None` for paths not recorded.
fn endpoint_of(path: &str) -> Option<&'static str> {
    const SKIPPED: [&str; 7] = [
        "/health",
        "/ready",
        "/metrics",
        "/pkg/*",
        "/favicon.svg",
        "/echarts.min.js",
        "/api/v1/live",
    ];
    let pattern = TABLE
        .iter()
        .map(|(pattern, _)| *pattern)
        .find(|pattern| match pattern.strip_suffix("/*") {
            Some(prefix) => path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')),
            None => *pattern == path,
        })
        .unwrap_or("other");
    (!SKIPPED.contains(&pattern)).then_some(pattern)
}

/// Counts every response for `/metrics` and records Opsdeck's own requests.
pub async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let endpoint = endpoint_of(request.uri().path());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    COUNTERS.http_response(response.status());
    if let (Some(sender), Some(endpoint)) = (&recorder.0, endpoint) {
        let event = RequestEvent {
            service: SERVICE.to_string(),
            endpoint: endpoint.to_string(),
            method,
            status: i16::try_from(response.status().as_u16()).unwrap_or(i16::MAX),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            ts: Utc::now(),
        };
        if sender.try_send(event).is_err() {
            COUNTERS.self_monitor_dropped();
        }
    }
    response
}

/// The running flusher; dropping it stops it.
pub struct SelfMonitor(tokio::task::JoinHandle<()>);

impl Drop for SelfMonitor {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState, publisher: crate::http::live::Publisher, buffer: Buffer, every: Duration) -> SelfMonitor {
    SelfMonitor(tokio::spawn(run(state, publisher, buffer, every)))
}

async fn run(state: AppState, publisher: crate::http::live::Publisher, mut buffer: Buffer, every: Duration) {
    let mut flush = tokio::time::interval(every.min(FLUSH_AT_LEAST_EVERY));
    let mut sample = tokio::time::interval(every);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut batch = IngestBatch::default();
        tokio::select! {
            _ = flush.tick() => {}
            _ = sample.tick() => {
                let readiness = app::health::ssr::check_all(&state.db, &state.redis, state.health()).await;
                let now = Utc::now();
                batch.samples.extend(health_samples("database", &readiness.services.database, now));
                batch.samples.extend(health_samples("redis", &readiness.services.redis, now));
            }
        }
        while batch.requests.len() < BUFFER {
            match buffer.0.try_recv() {
                Ok(event) => batch.requests.push(event),
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        if let Err(error) = store(&state, &batch).await {
            COUNTERS.self_monitor_flush_failed();
            tracing::warn!(%error, records = batch.len(), "could not store Opsdeck's own metrics; dropping them");
            continue;
        }
        publisher.publish(&state, &batch).await;
    }
}

/// Stores `batch` through the metrics pipeline in one transaction (Opsdeck's
/// own samples: its requests, health checks and data stores' readings).
pub(crate) async fn store(state: &AppState, batch: &IngestBatch) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    app::metrics::ssr::store::store_batch(&mut tx, batch).await?;
    tx.commit().await
}

/// `health.<check>.response_ms` and `health.<check>.up` (1 up, 0.5 degraded, 0 down).
pub fn health_samples(check: &str, result: &ServiceCheck, ts: chrono::DateTime<Utc>) -> [MetricSample; 2] {
    let up = match result.status {
        Status::Up => 1.0,
        Status::Degraded => 0.5,
        Status::Down => 0.0,
    };
    let sample = |name: String, value: f64| MetricSample {
        service: SERVICE.to_string(),
        name,
        value,
        labels: BTreeMap::new(),
        ts,
        kind: MetricKind::Gauge,
    };
    [
        sample(format!("health.{check}.response_ms"), result.response_time as f64),
        sample(format!("health.{check}.up"), up),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_table_patterns_and_probes_are_skipped() {
        assert_eq!(endpoint_of("/performance"), Some("/performance"));
        assert_eq!(endpoint_of("/audit/42"), Some("/audit/*"));
        assert_eq!(endpoint_of("/api/v1/ingest"), Some("/api/v1/ingest"));
        assert_eq!(endpoint_of("/no/such/thing/123"), Some("other"));
        assert_eq!(endpoint_of("/health"), None);
        assert_eq!(endpoint_of("/metrics"), None);
        assert_eq!(endpoint_of("/pkg/opsdeck.wasm"), None);
        assert_eq!(endpoint_of("/api/v1/live"), None);
    }
}
