//! The `opsdeck` server: configuration, start-up wiring, HTTP-only routes and
//! the command line. The pages and server functions live in the `app` crate.

pub mod alerting;
pub mod api_key_cli;
pub mod audit;
pub mod audit_anchor;
pub mod backup_cli;
pub mod backup_download;
pub mod backup_scheduler;
pub mod cli;
pub mod compactor;
pub mod config;
pub mod demo;
pub mod deployments;
pub mod filter_query;
pub mod fn_requests;
pub mod form_echo;
pub mod gate;
pub mod ingest;
pub mod leader;
pub mod live;
pub mod notifier;
pub mod prometheus;
pub mod retention;
pub mod routes;
pub mod rule_files;
pub mod rule_files_cli;
pub mod rule_import;
pub mod security;
pub mod self_monitor;
pub mod serve;
pub mod startup;
pub mod telemetry;
pub mod user_cli;

pub use config::Config;
pub use startup::Application;
