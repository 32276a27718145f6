//! CORS for the Sentry SDK doors only (`/api/<project>/envelope/` and
//! `/store/`): browser SDKs (`@sentry/browser`) post from the monitored
//! site's origin, not Opsdeck's. Any origin may post, without cookies
//! (`Access-Control-Allow-Credentials` is never sent, so a browser sends
//! no session): the DSN's key in the request is what is checked, as for
//! any other sender. The security layer's cross-site refusal skips these
//! paths ([`is_sdk_door`]) and no other.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Headers SDKs send: their auth, the body's type and encoding, tracing.
const ALLOWED_HEADERS: &str =
    "x-sentry-auth, authorization, content-type, content-encoding, x-requested-with, sentry-trace, baggage";
/// Headers a browser SDK reads from the answer (its rate limits).
const EXPOSED_HEADERS: &str = "x-sentry-rate-limits, x-sentry-error, retry-after";

/// `/api/<project>/envelope/` or `/api/<project>/store/`.
pub fn is_sdk_door(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/") else {
        return false;
    };
    let Some((project, door)) = rest.split_once('/') else {
        return false;
    };
    !project.is_empty() && !project.contains('/') && matches!(door, "envelope/" | "store/")
}

/// Answers a preflight; adds the CORS headers to every other answer.
pub async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let headers = preflight.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
        preflight
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sdk_doors_are_named() {
        assert!(is_sdk_door("/api/42/envelope/"));
        assert!(is_sdk_door("/api/42/store/"));
        for other in [
            "/api/v1/errors",
            "/api/v1/ingest",
            "/api//envelope/",
            "/api/42/envelope",
            "/api/4/2/envelope/",
            "/api/errors/issue",
            "/api/auth/sign-in",
            "/errors",
        ] {
            assert!(!is_sdk_door(other), "{other}");
        }
    }
}
