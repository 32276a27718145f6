//! Request headers for the unit tests of the HTTP layer.

use axum::http::{HeaderMap, HeaderValue, header};

/// A header map of `pairs` (lower-case names, visible ASCII values).
pub fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| {
            let value = HeaderValue::from_str(v).expect("a header value");
            (header::HeaderName::from_static(k), value)
        })
        .collect()
}
