//! Metrics: what services send (request events and metric samples), how it
//! is stored (partitioned raw tables plus per-minute rollups) and read back.
//!
//! The types here are the *validated* records: the ingest API parses raw
//! JSON/NDJSON into them (refusing the whole batch on the first bad field),
//! and `ssr::store::store_batch` writes them in one transaction.
//!
//! `pages` holds the Overview's and Performance page's types, `api` their
//! server functions, `window` the time-range vocabulary, and `ssr` (server
//! only) storage, queries and the pages' services.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ingest;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod window;

pub use api::*;

/// Services whose names start with this are fictional traffic from
/// `opsdeck demo`; pages label them as demo data.
pub const DEMO_SERVICE_PREFIX: &str = "demo-";

pub fn is_demo_service(service: &str) -> bool {
    service.starts_with(DEMO_SERVICE_PREFIX)
}

/// One HTTP request a service handled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub service: String,
    pub endpoint: String,
    pub method: String,
    /// HTTP status; 500–599 count as errors.
    pub status: i16,
    pub duration_ms: f64,
    pub ts: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    Gauge,
    Counter,
}

/// One measured value of a named metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSample {
    pub service: String,
    pub name: String,
    pub value: f64,
    pub labels: BTreeMap<String, String>,
    pub ts: DateTime<Utc>,
    pub kind: MetricKind,
}

/// A validated batch, stored all-or-nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestBatch {
    pub requests: Vec<RequestEvent>,
    pub samples: Vec<MetricSample>,
}

impl IngestBatch {
    pub fn len(&self) -> usize {
        self.requests.len() + self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One step of a latency chart, merged from the per-minute rollups.
/// Percentiles are within 1 % (relative) of the exact ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyPoint {
    /// Start of the step.
    pub t: DateTime<Utc>,
    pub count: i64,
    pub errors: i64,
    pub avg_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// One step of a metric's chart, merged from the per-minute rollups of every
/// label set that matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MetricPoint {
    /// Start of the step.
    pub t: DateTime<Utc>,
    /// Samples in the step.
    pub count: i64,
    pub min: f64,
    pub max: f64,
    pub avg: f64,
    /// The newest sample's value.
    pub last: f64,
}

/// One service over a time range (the overview's table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub service: String,
    pub requests: i64,
    pub errors: i64,
    pub throughput_per_s: f64,
    /// errors / requests, 0 to 1.
    pub error_rate: f64,
    pub p95_ms: f64,
}

/// One endpoint of a service over a time range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointStats {
    pub endpoint: String,
    pub requests: i64,
    pub errors: i64,
    /// errors / requests, 0 to 1.
    pub error_rate: f64,
    pub avg_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// How the endpoint table is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointOrder {
    #[default]
    SlowestP95,
    MostFailing,
}

/// One live update on the SSE stream `GET /api/v1/live?service=…`
/// (`event: point`): the service's totals for one minute (`t`), all
/// endpoints merged, as they stand after the batch that changed them
/// committed — the same point the Performance chart draws, plus its service.
/// A client replaces its point for that minute (or appends a new one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LivePoint {
    pub service: String,
    #[serde(flatten)]
    pub point: LatencyPoint,
}
