//! Everything that answers HTTP outside the Leptos pages and server
//! functions: the router, the accept loop, the middleware every request
//! passes (security headers, the gate, body checks, form echo) and the
//! HTTP-only routes (ingest, log doors, deployments API, live SSE, downloads).

pub mod audit_export;
pub mod backup_download;
pub mod body_encoding;
pub mod caching;
pub mod csv;
pub mod deployments;
pub mod errors;
pub mod exports;
pub mod filter_query;
pub mod fn_requests;
pub mod form_echo;
pub mod gate;
pub mod ingest;
pub mod live;
pub mod log_lines;
pub mod ndjson_logs;
pub mod otlp;
pub mod own_failures;
pub mod report_export;
pub mod routes;
pub mod rule_files;
pub mod rule_import;
pub mod security;
pub mod serve;
#[cfg(test)]
mod test_headers;

use axum::Extension;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use app::auth::CurrentUser;
use app::auth::permissions::{Permission, allows};
use app::error::AppError;

/// A JSON answer with `status` (the HTTP-only APIs' answers).
pub fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// The gate's user if they hold `permission`; otherwise the refusal to send
/// (the gate already refused anyone without the path's access: this is the
/// route's own check, as `acting` is a server function's).
pub fn permitted(user: Option<Extension<CurrentUser>>, permission: Permission) -> Result<CurrentUser, AppError> {
    let Some(Extension(user)) = user else {
        return Err(AppError::Unauthorized);
    };
    if allows(user.role, permission) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}
