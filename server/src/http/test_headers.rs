//! Request headers for the unit tests of the HTTP layer.

use axum::http::{HeaderMap, HeaderValue, header};

/// A header map of `pairs` (lower-case names).
pub fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v)))
        .collect()
}
