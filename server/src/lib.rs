//! The `opsdeck` server: configuration, start-up wiring, HTTP-only routes,
//! background workers and the command line. The pages and server functions
//! live in the `app` crate.
//!
//! - `http/`: the router, middleware and HTTP-only routes
//! - `workers/`: leader-only and per-instance background tasks
//! - `cli/`: one file per command group
//! - `config.rs`, `startup.rs`, `telemetry.rs`, `prometheus.rs` (the
//!   process's counters and `GET /metrics`)

pub mod cli;
pub mod config;
pub mod http;
pub mod prometheus;
pub mod startup;
pub mod telemetry;
pub mod workers;

pub use config::Config;
pub use startup::Application;
