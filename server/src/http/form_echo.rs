//! Keeps what was typed when a plain form post is refused.
//!
//! Without JavaScript an `ActionForm` is a plain HTML form: its server
//! function answers a refusal by redirecting back to the page with the
//! error in the URL (`__path`, `__err`), and the page would come back with
//! empty fields. This layer adds the posted fields to that redirect as
//! `__form` (one URL-encoded value), so the page can show them again
//! (`app::components::form::Typed`). Secrets (passwords, tokens, secrets,
//! connection URLs) are left out, as a browser would not refill them either.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Larger bodies are not echoed (a URL must stay short); the request is
/// refused as too large only when it exceeds what any form posts.
const MAX_ECHO_BYTES: usize = 8 * 1024;
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

pub async fn form_echo(request: Request, next: Next) -> Response {
    let is_plain_form_post = request.method() == axum::http::Method::POST
        && request.uri().path().starts_with("/api/")
        && header_has(&request, header::ACCEPT, "text/html")
        && header_has(&request, header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !is_plain_form_post {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return Response::builder()
            .status(axum::http::StatusCode::PAYLOAD_TOO_LARGE)
            .body(Body::from("The form is too large"))
            .unwrap_or_default();
    };
    let kept = kept_fields(&bytes);
    let mut response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let Some(kept) = kept else {
        return response;
    };
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|location| location.contains("__err="))
        .map(|location| {
            format!(
                "{}&__form={}",
                latest_error_only(location),
                app::url::percent_encode(&kept)
            )
        });
    if let Some(value) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `location` without an earlier refusal's `__form`, and with only the last
/// `__path` and `__err` (a second refusal from the same page appends its
/// own after the first's).
fn latest_error_only(location: &str) -> String {
    let Some((path, query)) = location.split_once('?') else {
        return location.to_string();
    };
    let pairs: Vec<&str> = query.split('&').collect();
    let last = |name: &str| pairs.iter().rposition(|p| p.starts_with(&format!("{name}=")));
    let (last_path, last_err) = (last("__path"), last("__err"));
    let kept: Vec<&str> = pairs
        .iter()
        .enumerate()
        .filter(|(i, pair)| {
            !pair.starts_with("__form=")
                && (!pair.starts_with("__path=") || Some(*i) == last_path)
                && (!pair.starts_with("__err=") || Some(*i) == last_err)
        })
        .map(|(_, pair)| *pair)
        .collect();
    format!("{path}?{}", kept.join("&"))
}

fn header_has(request: &Request, name: header::HeaderName, wanted: &str) -> bool {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(wanted))
}

/// The posted form without its secrets, URL-encoded; `None` when nothing is
/// left or it is too long for a URL.
fn kept_fields(body: &[u8]) -> Option<String> {
    if body.len() > MAX_ECHO_BYTES {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let kept: Vec<&str> = text
        .split('&')
        .filter(|pair| {
            let name = app::url::percent_decode(pair.split('=').next().unwrap_or_default()).to_lowercase();
            !pair.is_empty()
                && !["password", "secret", "token", "connection"]
                    .iter()
                    .any(|s| name.contains(s))
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_echoed() {
        assert_eq!(
            kept_fields(b"email=a%40b.c&password=hunter2&new_password=x&target%5Bsecret%5D=s&connection_url=postgres%3A%2F%2Fu%3Ap%40h&name=ok").as_deref(),
            Some("email=a%40b.c&name=ok")
        );
        assert_eq!(kept_fields(b"password=x"), None);
    }

    #[test]
    fn only_the_latest_refusal_stays_in_the_url() {
        assert_eq!(
            latest_error_only("http://h/users?q=1&__path=%2Fa&__err=old&__form=x%3D1&__path=%2Fb&__err=new"),
            "http://h/users?q=1&__path=%2Fb&__err=new"
        );
    }
}
