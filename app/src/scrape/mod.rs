//! Prometheus scraping: admins add scrape targets (`targets`), a
//! leader-only worker (`server/src/workers/scraper.rs`) scrapes each on its
//! own interval and stores what it read as metric points
//! (`metrics::ssr::points`, the same rules as OTLP metrics: counters become
//! rates, histograms and summaries count, sum and percentiles), plus `up`
//! per target, so "target down" is an ordinary rule on `up`.
//!
//! `targets` holds the types pages see, `api` the server functions (admins,
//! `ManageScrapeTargets`). `ssr` (server only): `targets` stores them,
//! `scrape` scrapes one, `fetch` reads a target's exposition within its
//! timeout and size limit; `exposition` parses it (text format and
//! OpenMetrics) into points.

#[cfg(feature = "ssr")]
pub mod ssr;

pub mod api;
pub mod targets;

pub use api::*;
