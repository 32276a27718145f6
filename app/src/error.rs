//! The one error type every server function returns.
//!
//! Use `AppError::Validation` for input a user can fix, the specific variants
//! for access and lookup failures, and `AppError::internal` for everything
//! else: it logs the cause with context and sends the client only a generic
//! message, so SQL, file paths and stack traces never reach a browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Not found")]
    NotFound,
    #[error("Please sign in")]
    Unauthorized,
    #[error("You do not have permission to do this")]
    Forbidden,
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("Something went wrong on the server; it has been logged")]
    Internal,
    /// Transport-level failures (the request never reached the function, or
    /// its answer could not be read): shown as a connection problem.
    #[error("Could not reach the Opsdeck server")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    /// Logs `cause` with `context` and returns the generic `Internal` error.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(context, error = %cause, "internal error");
        Self::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function transport error");
        Self::Transport(match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                "request failed".to_string()
            }
            _ => "bad request".to_string(),
        })
    }
}
