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
    /// Several fields refused at once (see [`FieldErrors`]), so a form shows
    /// every message of a submit, not only the first.
    #[error("{0}")]
    Fields(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("Email or password is incorrect")]
    SignInFailed,
    #[error("{0}")]
    Unavailable(String),
    /// The request itself could not be read (wrong types, missing fields,
    /// broken encoding, too large): a client's mistake, answered 4xx.
    #[error("{0}")]
    BadRequest(String),
    #[error("The request is too large (the limit is {limit_mib} MiB)")]
    TooLarge { limit_mib: u64 },
    #[error("Something went wrong on the server; it has been logged")]
    Internal,
    /// Transport-level failures (the request never reached the function, or
    /// its answer could not be read): shown as a connection problem.
    #[error("Could not reach the Opsdeck server")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A `Conflict` as `field`'s problem (a name or email taken), for a form
    /// that shows it beside that field; any other error as it is.
    pub fn conflict_on(self, field: &str) -> Self {
        match self {
            AppError::Conflict(message) => AppError::validation(field, message),
            other => other,
        }
    }

    /// Logs `cause` with `context` and returns the generic `Internal` error.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(context, error = %cause, "internal error");
        Self::Internal
    }

    /// [`AppError::internal`] for `map_err`: `.map_err(AppError::internal_in("users: list"))`.
    #[cfg(feature = "ssr")]
    pub fn internal_in<E: std::fmt::Display>(context: &'static str) -> impl Fn(E) -> Self {
        move |cause| Self::internal(context, cause)
    }
}

/// What is wrong with a form, field by field (`""` for the form as a
/// whole): collect every problem of a submit, then [`FieldErrors::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// Notes `message` for `field`, unless the field has one already (a
    /// field shows its first problem).
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The value of `result`, or `None` with its error noted.
    pub fn take<T>(&mut self, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.note(error);
                None
            }
        }
    }

    /// Notes `error` under its field (a non-field error under `""`).
    pub fn note(&mut self, error: AppError) {
        match error {
            AppError::Validation { field, message } => self.push(field, message),
            AppError::Fields(errors) => {
                for (field, message) in errors.0 {
                    self.push(field, message);
                }
            }
            other => self.push("", other.to_string()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// `Ok` when nothing was noted; one problem as `Validation`, more as `Fields`.
    pub fn check(mut self) -> Result<(), AppError> {
        match self.0.len() {
            0 => Ok(()),
            1 => {
                let (field, message) = self.0.remove(0);
                Err(AppError::Validation { field, message })
            }
            _ => Err(AppError::Fields(self)),
        }
    }
}

impl From<AppError> for FieldErrors {
    fn from(error: AppError) -> Self {
        let mut errors = Self::default();
        errors.note(error);
        errors
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<String> = self
            .0
            .iter()
            .map(|(field, message)| {
                if field.is_empty() {
                    message.clone()
                } else {
                    format!("{field}: {message}")
                }
            })
            .collect();
        write!(f, "{}", shown.join("; "))
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::SignInFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Validation { .. } | AppError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Transport(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// Seconds the client is asked to wait before trying again, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after } => Some(*retry_after),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }

    /// Maps a unique-constraint violation to `Conflict(message)`, anything else to `Internal`.
    pub fn from_db(context: &str, error: sqlx::Error, conflict_message: &str) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict(conflict_message.to_string()),
            _ => AppError::internal(context, error),
        }
    }
}

/// Seconds a client is asked to wait before retrying after a 503.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The largest server function request body (axum's default body limit,
/// which server_fn applies).
pub const MAX_REQUEST_MIB: u64 = 2;

/// Gives a server function's error its HTTP status (and `Retry-After`).
/// Every server function passes its result through this.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        set_status(error);
    }
    result
}

#[cfg(feature = "ssr")]
fn set_status(error: &AppError) {
    // A plain form post (no JavaScript) is redirected back to its page with
    // the error in the URL; a status here would replace that redirect.
    if is_plain_form_post() {
        return;
    }
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status());
        if let Some(seconds) = error.retry_after() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
    }
}

/// Whether the request this server function answers is a plain HTML form
/// post (no JavaScript): the browser asked for a page, not JSON, so the
/// answer is a redirect back to a page.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// A successful answer, `value`: after a plain form post the browser goes
/// on to `path`.
#[cfg(feature = "ssr")]
pub fn redirect_on_success<T>(path: &str, value: T) -> T {
    if is_plain_form_post() {
        leptos_axum::redirect(path);
    }
    value
}

/// How an HTTP route (not a server function) answers an error: its status,
/// `Retry-After` where one applies, and `{"error": message}`.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let body = axum::Json(serde_json::json!({ "error": self.to_string() }));
        let mut response = (self.status(), body).into_response();
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}

/// What a client is told about a request whose arguments could not be read.
/// Decoders name the field and the expected type; their text is cut short
/// because it can quote the input.
#[cfg(feature = "ssr")]
fn unreadable(detail: &str) -> AppError {
    if detail.contains("length limit exceeded") {
        return AppError::TooLarge {
            limit_mib: MAX_REQUEST_MIB,
        };
    }
    let detail: String = detail.chars().filter(|c| !c.is_control()).take(200).collect();
    AppError::BadRequest(format!("The request could not be read: {detail}"))
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, these are failures to read a request (its arguments
    /// or body): the client's mistake, answered 400 (413 when too large)
    /// with what was wrong, instead of the 500 server_fn would send. In the
    /// browser they are failures to reach the server or read its answer.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            tracing::warn!(error = %value, "server function request refused");
            let error = match value {
                ServerFnErrorErr::Args(detail)
                | ServerFnErrorErr::MissingArg(detail)
                | ServerFnErrorErr::Deserialization(detail) => unreadable(&detail),
                ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                    AppError::BadRequest("This function is not called that way.".into())
                }
                other => AppError::internal("server function", other),
            };
            set_status(&error);
            error
        }
        #[cfg(not(feature = "ssr"))]
        Self::Transport(match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => "request failed".to_string(),
            _ => "bad request".to_string(),
        })
    }
}
