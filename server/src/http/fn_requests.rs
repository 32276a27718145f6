//! Requests read at the door (after the gate, before leptos decodes them):
//! a server function's body over the limit is answered 413, and a NUL
//! character in any field of its body, or of any request's query string,
//! 422 naming the field. Postgres cannot store a NUL in text, so without
//! this a NUL reached a query and came back as a 500.
//!
//! Arguments that do not decode (wrong types, missing fields, broken
//! encoding) are answered 400 by `AppError::from_server_fn_error`.

use std::collections::HashSet;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::{AppError, MAX_REQUEST_MIB};

const MAX_BYTES: usize = (MAX_REQUEST_MIB as usize) * 1024 * 1024;

/// Every registered server function's path.
static SERVER_FNS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect()
});

pub async fn check(request: Request, next: Next) -> Response {
    // Pages and HTTP routes read their query strings as well (`?service=`).
    if let Some(query) = request.uri().query()
        && let Err(error) = no_nul(query.as_bytes())
    {
        return refuse(&error);
    }
    if request.method() != Method::POST || !SERVER_FNS.contains(request.uri().path()) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BYTES) {
        return refuse(&too_large());
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) if error.to_string().contains("length limit") => return refuse(&too_large()),
        Err(error) => {
            tracing::warn!(%error, "could not read a server function request");
            return refuse(&AppError::BadRequest("The request body could not be read.".into()));
        }
    };
    if let Err(error) = no_nul(&bytes) {
        return refuse(&error);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn too_large() -> AppError {
    AppError::TooLarge {
        limit_mib: MAX_REQUEST_MIB,
    }
}

/// Refuses a form body with a NUL in any name or value, naming the field as
/// the page's form does (`query[service]` is the field `service`).
pub fn no_nul(body: &[u8]) -> Result<(), AppError> {
    let text = String::from_utf8_lossy(body);
    for (name, value) in app::url::query_pairs(&text) {
        if name.contains('\0') || value.contains('\0') {
            let field = if name.contains('\0') {
                "request"
            } else {
                field_of(&name)
            };
            return Err(AppError::validation(
                field,
                "This contains a NUL character, which cannot be stored.",
            ));
        }
    }
    Ok(())
}

/// The innermost name of a form key: `rule[labels][0][name]` → `name`.
fn field_of(name: &str) -> &str {
    name.rsplit('[')
        .map(|part| part.trim_end_matches(']'))
        .find(|part| !part.is_empty() && !part.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(name)
}

fn refuse(error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_else(|_| "{}".to_string());
    (
        error.status(),
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn a_nul_anywhere_names_its_field() {
        assert_eq!(no_nul(b"email=a%40b.c&password=x"), Ok(()));
        assert_eq!(
            no_nul(b"email=a%00b&password=x"),
            Err(AppError::validation(
                "email",
                "This contains a NUL character, which cannot be stored."
            ))
        );
        let Err(AppError::Validation { field, .. }) = no_nul(b"query%5Bservice%5D=shop\0") else {
            panic!("a raw NUL is refused too");
        };
        assert_eq!(field, "service");
        let Err(AppError::Validation { field, .. }) = no_nul(b"rule[labels][0][name]=%00") else {
            panic!("refused");
        };
        assert_eq!(field, "name");
        let Err(AppError::Validation { field, .. }) = no_nul(b"a%00=1") else {
            panic!("refused");
        };
        assert_eq!(field, "request");
    }

    #[test]
    fn refusals_carry_the_status_of_their_error() {
        assert_eq!(refuse(&too_large()).status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            refuse(&AppError::validation("q", "x")).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
