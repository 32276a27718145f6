//! Everything that answers HTTP outside the Leptos pages and server
//! functions: the router, the accept loop, the middleware every request
//! passes (security headers, the gate, body checks, form echo) and the
//! HTTP-only routes (ingest, deployments API, live SSE, downloads).

pub mod audit_export;
pub mod backup_download;
pub mod deployments;
pub mod filter_query;
pub mod fn_requests;
pub mod form_echo;
pub mod gate;
pub mod ingest;
pub mod live;
pub mod routes;
pub mod rule_files;
pub mod rule_import;
pub mod security;
pub mod serve;
