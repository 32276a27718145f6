//! Metric points pushed over OTLP (`POST /v1/metrics`), turned into metric
//! samples and request rollups.
//!
//! | OTLP point                              | becomes                                              |
//! |-----------------------------------------|------------------------------------------------------|
//! | gauge                                   | a gauge sample                                       |
//! | sum, cumulative, monotonic              | a gauge sample of its rate per second                |
//! | sum, cumulative, not monotonic          | a gauge sample of its value                          |
//! | sum, delta                              | a counter sample of the delta (summed per minute)    |
//! | histogram (explicit or exponential)     | counter samples `<name>.count`, `<name>.sum`; gauge  |
//! |                                         | samples `<name>.p50`, `.p95`, `.p99` from buckets     |
//! | summary                                 | the same, its percentiles from its quantile values   |
//!
//! A cumulative series is compared with what it reported last
//! (`otlp_cumulative`, [`advance`]): the difference is the interval's rate
//! or delta. The first point of a series only counts whole (a rate since
//! its start, or everything since its start) when its start time is at most
//! [`advance::FRESH_START`] old, as a freshly started process's first
//! export is; otherwise it is the baseline the next point is compared with.
//! A point that restarts its series (a new start time, a value lower than
//! before) counts the same way. A point older than the last one is ignored.
//!
//! An `http.server.request.duration` histogram (unit `s` or `ms`) also feeds
//! the request rollups of its service, per `http.route` (else the method):
//! requests, errors (`http.response.status_code` ≥ 500) and latency, the
//! bucket counts spread evenly across each bucket ([`distribution`]). Such a
//! histogram counts every request, where trace SDKs usually sample spans, so
//! it wins: while a service sends one, its server spans are kept as traces
//! but are not counted again ([`store::counted_by_histograms`]).

pub mod advance;
pub mod distribution;
pub mod samples;
pub mod store;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use distribution::Distribution;

/// One series: its service, metric name and labels (the point's attributes).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    pub service: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// What a point measured.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    Gauge(f64),
    Sum {
        cumulative: bool,
        monotonic: bool,
        value: f64,
    },
    /// A histogram or a summary.
    Distribution {
        cumulative: bool,
        distribution: Distribution,
    },
}

/// The requests an `http.server.request.duration` histogram point stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSeries {
    pub endpoint: String,
    /// Every request of the point is an error (status ≥ 500).
    pub error: bool,
    /// Milliseconds per unit of the histogram (1000 for seconds).
    pub to_ms: f64,
}

/// One checked OTLP data point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub series: Series,
    pub start: Option<DateTime<Utc>>,
    pub ts: DateTime<Utc>,
    pub reading: Reading,
    pub requests: Option<RequestSeries>,
}

impl Point {
    /// Whether the point is compared with its series' last one.
    pub fn is_cumulative(&self) -> bool {
        match &self.reading {
            Reading::Gauge(_) => false,
            Reading::Sum {
                cumulative, monotonic, ..
            } => *cumulative && *monotonic,
            Reading::Distribution { cumulative, .. } => *cumulative,
        }
    }
}

/// Suffixes a distribution's samples add to its name (the longest is how
/// much shorter than other names a distribution's name must be).
pub const DISTRIBUTION_SUFFIXES: [&str; 5] = [".count", ".sum", ".p50", ".p95", ".p99"];
