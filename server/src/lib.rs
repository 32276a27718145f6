//! The `opsdeck` server: configuration, start-up wiring, HTTP-only routes and
//! the command line. The pages and server functions live in the `app` crate.

pub mod cli;
pub mod config;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
