//! Integration tests: the real application on port 0 against real Postgres
//! and Redis, one fresh database and one Redis key prefix per test.

mod alert_pages;
mod alert_windows;
mod alerting;
mod api_keys;
mod api_keys_without_js;
mod audit;
mod audit_anchor;
mod audit_refusals;
mod auth;
mod backups;
mod backups_cli;
mod cli;
mod connections;
mod demo;
mod deployments;
mod forms;
mod frozen_leader;
mod health;
mod health_history;
mod helpers;
mod huge_values;
mod ingest;
mod live;
mod malformed;
mod metrics_storage;
mod notifications;
mod pages;
mod password_limits;
mod performance;
mod permissions;
mod rule_files;
mod rule_page;
mod self_monitor;
mod silences;
mod users;
