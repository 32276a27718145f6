//! Integration tests: the real application on port 0 against real Postgres
//! and Redis, one fresh database and one Redis key prefix per test.

mod api_keys;
mod audit;
mod auth;
mod cli;
mod health;
mod helpers;
mod ingest;
mod metrics_storage;
mod pages;
mod permissions;
mod users;
