//! Opsdeck's Leptos application: the shell, routes, pages, shared widgets and
//! the server functions behind them.
//!
//! The crate is built twice: natively with the `ssr` feature (linked into the
//! `opsdeck` server binary) and to wasm32 with `hydrate` (the browser bundle).
//! Server-only code lives in `ssr` submodules or behind `#[cfg(feature = "ssr")]`.

// Release builds (no `erase_components`) compute the layout of the deepest
// views (the live log tail) past the default 128 queries.
#![recursion_limit = "256"]

pub mod alerts;
pub mod api_keys;
pub mod area;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod components;
#[cfg(feature = "ssr")]
pub mod cron;
pub mod datastores;
pub mod deployments;
pub mod error;
pub mod errors;
pub mod health;
#[cfg(feature = "ssr")]
pub mod ingest_batches;
pub mod logs;
pub mod metrics;
pub mod monitoring;
#[cfg(feature = "ssr")]
pub mod overview_data;
#[cfg(feature = "ssr")]
pub mod overview_reads;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod partitions;
#[cfg(feature = "ssr")]
pub mod redis_handle;
pub mod reports;
pub mod scrape;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod shared_read;
pub mod shell;
#[cfg(feature = "ssr")]
pub mod site_assets;
pub mod slo;
#[cfg(feature = "ssr")]
pub mod sql;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(test)]
mod testing;
pub mod theme;
pub mod traces;
pub mod url;
pub mod users;

pub use shell::{App, shell};
