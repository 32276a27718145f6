//! Reading metrics back for the pages: latency series, per-service
//! summaries and per-endpoint tables, and metric-sample series, all from the
//! rollups ([`super::rollup`]): service-wide questions from the service
//! tiers, per-endpoint ones from the endpoint tiers, and whole hours from
//! the hourly tier where the answer does not split them.
//!
//! Histograms are merged in Postgres (unnest, sum per bucket, re-aggregate)
//! so only one histogram per output row crosses the wire — a 30-day chart is
//! a few hundred rows, not 43,200 — and quantiles are read in Rust with
//! [`LatencyHistogram`](crate::metrics::ssr::histogram::LatencyHistogram), the same code the accuracy tests check.
//!
//! `range` builds the merging range query, `requests` reads request
//! rollups, `samples` metric samples, and `services` which services and
//! endpoints exist.

mod range;
mod requests;
mod samples;
mod services;

pub use crate::metrics::ssr::merged::Merged;
pub(crate) use range::hour_span;
pub(crate) use range::merge_rows_sql;
pub use requests::{
    endpoint_table, latency_series, per_service, request_minutes, service_minute_points, service_summary,
    sort_endpoints, window_points,
};
pub use samples::metric_series;
pub use services::{known_services, serves_endpoint};
