//! Keeps the filter pages' URLs canonical without JavaScript.
//!
//! The Performance and Health pages pick what they show with a plain GET
//! form. With JavaScript the form leaves empty fields out of the URL
//! (`app::components::range_fields::without_empty_fields`); a browser
//! without it sends every field, so a preset range comes as
//! `…&range=1h&from=&to=`. An empty field means "not set" on these pages, so
//! such a request is redirected (303) to the same URL without its empty
//! parameters: one bookmarkable URL per view, whichever way it was picked.

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The pages whose GET filter forms treat an empty field as absent.
const FILTER_PAGES: [&str; 2] = ["/performance", "/health-checks"];

pub async fn without_empty_parameters(request: Request, next: Next) -> Response {
    if request.method() == Method::GET
        && FILTER_PAGES.contains(&request.uri().path())
        && let Some(kept) = request.uri().query().and_then(non_empty_parameters)
    {
        let path = request.uri().path();
        let location = if kept.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{kept}")
        };
        return Redirect::to(&location).into_response();
    }
    next.run(request).await
}

/// `query` without its empty parameters (`from=`, a nameless `=`, `&&`),
/// each kept one exactly as sent; `None` when it has none to drop.
fn non_empty_parameters(query: &str) -> Option<String> {
    let pairs: Vec<&str> = query.split('&').collect();
    let kept: Vec<&str> = pairs
        .iter()
        .copied()
        .filter(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            !name.is_empty() && !value.is_empty()
        })
        .collect();
    (kept.len() < pairs.len()).then(|| kept.join("&"))
}

#[cfg(test)]
mod tests {
    use super::non_empty_parameters;

    #[test]
    fn empty_parameters_are_dropped_and_the_rest_kept_as_sent() {
        assert_eq!(
            non_empty_parameters("service=e2e%20shop&endpoint=%2Fpay&range=1h&from=&to="),
            Some("service=e2e%20shop&endpoint=%2Fpay&range=1h".to_string())
        );
        assert_eq!(non_empty_parameters("range=1h&="), Some("range=1h".to_string()));
        assert_eq!(non_empty_parameters("from=&to="), Some(String::new()));
        assert_eq!(non_empty_parameters("a=1&&b=2"), Some("a=1&b=2".to_string()));
        assert_eq!(
            non_empty_parameters("service=shop&range=custom&from=2026-11-24T09%3A00"),
            None
        );
    }
}
