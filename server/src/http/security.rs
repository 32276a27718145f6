//! Cross-site request refusal and security headers.
//!
//! Leptos server functions have no CSRF protection of their own, so every
//! state-changing request must come from Opsdeck's own pages. Pages get a
//! Content-Security-Policy with a fresh nonce per request (the same nonce is
//! handed to Leptos for its hydration scripts). The Sentry SDK doors alone
//! take cross-site posts (`errors::cors`): they hold no session and check
//! the DSN's key.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;

use app::auth::ssr::{client_info_from, record_denial};
use app::state::AppState;

/// The nonce of this request's CSP, for Leptos's inline scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

pub async fn security(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let scheme = if state.secure_cookies { "https" } else { "http" };
    // Browser SDKs post error events from the monitored site's origin; those
    // two doors take no session and check the DSN's key (errors::cors).
    let sdk_door = crate::http::errors::cors::is_sdk_door(request.uri().path());
    if let Err(reason) = same_site(request.method(), request.headers(), scheme)
        .or_else(|reason| if sdk_door { Ok(()) } else { Err(reason) })
    {
        let (parts, _) = request.into_parts();
        tracing::warn!(reason, path = parts.uri.path(), "cross-site request refused");
        record_denial(&state, None, parts.uri.path(), client_info_from(&parts)).await;
        let body = serde_json::json!({ "error": format!("Cross-site request refused: {reason}") }).to_string();
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    request.extensions_mut().insert(CspNonce(nonce.clone()));

    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Safe methods pass; anything else must not come from another site.
/// `scheme` is how browsers reach Opsdeck (`https` when cookies are
/// `Secure`): an origin is the scheme, host and port together, and a page
/// served over plain HTTP must not post to the HTTPS site.
pub fn same_site(method: &Method, headers: &HeaderMap, scheme: &str) -> Result<(), &'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site") == Some("cross-site") {
        return Err("Sec-Fetch-Site is cross-site");
    }
    if let Some(origin) = header("origin") {
        let own = header("host")
            .is_some_and(|host| origin.strip_prefix(scheme).and_then(|rest| rest.strip_prefix("://")) == Some(host));
        if !own {
            return Err("Origin is not this server");
        }
    }
    // A text/plain body is what a foreign page can send without a CORS preflight.
    if header("content-type").is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("text/plain")) {
        return Err("text/plain bodies are not accepted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::test_headers::headers;

    #[test]
    fn same_origin_posts_pass() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(same_site(&Method::POST, &h, "http"), Ok(()));
        assert_eq!(
            same_site(&Method::POST, &headers(&[("host", "x")]), "http"),
            Ok(()),
            "non-browser clients send no Origin"
        );
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let foreign = headers(&[("host", "127.0.0.1:3000"), ("origin", "https://evil.example")]);
        assert!(same_site(&Method::POST, &foreign, "http").is_err());
        assert!(
            same_site(
                &Method::POST,
                &headers(&[("host", "h"), ("sec-fetch-site", "cross-site")]),
                "http"
            )
            .is_err()
        );
        assert!(
            same_site(
                &Method::POST,
                &headers(&[("host", "h"), ("content-type", "text/plain;charset=UTF-8")]),
                "http"
            )
            .is_err()
        );
        assert!(
            same_site(
                &Method::POST,
                &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
                "http"
            )
            .is_err()
        );
        assert_eq!(same_site(&Method::GET, &foreign, "http"), Ok(()));
    }

    #[test]
    fn the_origin_scheme_must_be_the_one_opsdeck_is_served_on() {
        let host = ("host", "ops.example.com");
        let https = headers(&[host, ("origin", "https://ops.example.com")]);
        let http = headers(&[host, ("origin", "http://ops.example.com")]);
        assert_eq!(same_site(&Method::POST, &https, "https"), Ok(()));
        assert!(
            same_site(&Method::POST, &http, "https").is_err(),
            "http page posting to the https site"
        );
        assert_eq!(same_site(&Method::POST, &http, "http"), Ok(()));
        assert!(same_site(&Method::POST, &https, "http").is_err());
        let tricky = headers(&[host, ("origin", "https:ops.example.com")]);
        assert!(same_site(&Method::POST, &tricky, "https").is_err());
    }
}
