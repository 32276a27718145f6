//! What the unit tests of several modules share (compiled for tests only).

use chrono::{DateTime, Utc};

use crate::error::AppError;

/// `s` (RFC 3339) as a UTC instant; the epoch when it does not parse.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The field a validation error names, or what came instead (which matches
/// no field name, so an assertion on it fails and shows it).
pub fn invalid_field<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::Validation { field, .. }) => field,
        other => format!("not a validation error: {other:?}"),
    }
}
