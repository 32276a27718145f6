//! One record's fields checked: each parser names the field and says what
//! is wrong with it. The located reader and the fast path share them, so a
//! body passes or fails the same checks either way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{
    MAX_DURATION_MS, MAX_FUTURE_MINUTES, MAX_LABEL_CHARS, MAX_LABELS, MAX_METHOD_CHARS, MAX_NAME_CHARS,
    MAX_SAMPLE_VALUE, TimeWindow,
};
use crate::metrics::{MetricKind, MetricSample, RequestEvent};

/// A field's problem: (field, message).
pub type FieldProblem = (String, String);

pub(super) fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    (field.to_string(), message.into())
}

const REQUEST_FIELDS: [&str; 6] = ["service", "endpoint", "method", "status", "duration_ms", "ts"];
const SAMPLE_FIELDS: [&str; 6] = ["service", "name", "value", "labels", "ts", "kind"];

pub(super) fn no_unknown_fields(
    record: &Map<String, Value>,
    known: &[&str],
    extra: &[&str],
) -> Result<(), FieldProblem> {
    match record
        .keys()
        .find(|key| !known.contains(&key.as_str()) && !extra.contains(&key.as_str()))
    {
        Some(key) => Err(problem(
            key,
            format!("is not a field of this record (expected one of {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

pub(super) fn request_event(
    record: &Map<String, Value>,
    extra: &[&str],
    window: TimeWindow,
) -> Result<RequestEvent, FieldProblem> {
    no_unknown_fields(record, &REQUEST_FIELDS, extra)?;
    // Checked in field order, so the first problem reported is the first one.
    let service = name(record, "service", MAX_NAME_CHARS)?;
    let endpoint = name(record, "endpoint", MAX_NAME_CHARS)?;
    let method = checked_method(&name(record, "method", MAX_METHOD_CHARS)?)?;
    let status = match record.get("status") {
        None | Some(Value::Null) => return Err(problem("status", "is required")),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| problem("status", "must be a whole number"))?,
        Some(_) => return Err(problem("status", "must be a number")),
    };
    let status = checked_status(status)?;
    let duration_ms = checked_duration(number(record, "duration_ms")?)?;
    Ok(RequestEvent {
        service,
        endpoint,
        method,
        status,
        duration_ms,
        ts: timestamp(record, window)?,
    })
}

/// A request event made by another door (OTLP spans): the same checks as
/// one read from JSON, field by field; `ts` must lie in `window`.
pub fn checked_request(event: RequestEvent, status: i64, window: TimeWindow) -> Result<RequestEvent, FieldProblem> {
    let service = checked_text("service", &event.service, MAX_NAME_CHARS, false)?;
    let endpoint = checked_text("endpoint", &event.endpoint, MAX_NAME_CHARS, false)?;
    let method = checked_method(&checked_text("method", &event.method, MAX_METHOD_CHARS, false)?)?;
    let status = checked_status(status)?;
    let duration_ms = checked_duration(event.duration_ms)?;
    let ts = in_window(event.ts, window)?;
    Ok(RequestEvent {
        service,
        endpoint,
        method,
        status,
        duration_ms,
        ts,
    })
}

/// An HTTP method (letters only), upper-cased; `text` is already a checked name.
pub(super) fn checked_method(text: &str) -> Result<String, FieldProblem> {
    if !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(problem("method", "must be an HTTP method such as GET or POST"));
    }
    Ok(text.to_ascii_uppercase())
}

pub(super) fn checked_status(status: i64) -> Result<i16, FieldProblem> {
    i16::try_from(status)
        .ok()
        .filter(|status| (100..=599).contains(status))
        .ok_or_else(|| problem("status", "must be an HTTP status between 100 and 599"))
}

pub(super) fn checked_duration(duration_ms: f64) -> Result<f64, FieldProblem> {
    if duration_ms < 0.0 {
        return Err(problem("duration_ms", "must not be negative"));
    }
    if duration_ms > MAX_DURATION_MS {
        return Err(problem("duration_ms", "must be at most 3600000 (one hour)"));
    }
    Ok(duration_ms)
}

pub(super) fn metric_sample(
    record: &Map<String, Value>,
    extra: &[&str],
    window: TimeWindow,
) -> Result<MetricSample, FieldProblem> {
    no_unknown_fields(record, &SAMPLE_FIELDS, extra)?;
    let service = name(record, "service", MAX_NAME_CHARS)?;
    let metric = name(record, "name", MAX_NAME_CHARS)?;
    let kind = match record.get("kind") {
        None | Some(Value::Null) => return Err(problem("kind", "is required: \"gauge\" or \"counter\"")),
        Some(Value::String(kind)) => checked_kind(kind)?,
        Some(_) => return Err(problem("kind", "must be \"gauge\" or \"counter\"")),
    };
    let value = checked_value(kind, number(record, "value")?)?;
    Ok(MetricSample {
        service,
        name: metric,
        value,
        labels: labels(record)?,
        ts: timestamp(record, window)?,
        kind,
    })
}

pub(super) fn checked_kind(kind: &str) -> Result<MetricKind, FieldProblem> {
    match kind {
        "gauge" => Ok(MetricKind::Gauge),
        "counter" => Ok(MetricKind::Counter),
        _ => Err(problem("kind", "must be \"gauge\" or \"counter\"")),
    }
}

pub(super) fn checked_value(kind: MetricKind, value: f64) -> Result<f64, FieldProblem> {
    if !value.is_finite() || value.abs() > MAX_SAMPLE_VALUE {
        return Err(problem("value", "must be a finite number from -1e300 to 1e300"));
    }
    if kind == MetricKind::Counter && value < 0.0 {
        return Err(problem("value", "must not be negative for a counter"));
    }
    Ok(value)
}

/// A required, non-empty string of at most `max` characters, no control characters.
pub(super) fn name(record: &Map<String, Value>, field: &str, max: usize) -> Result<String, FieldProblem> {
    match record.get(field) {
        None | Some(Value::Null) => Err(problem(field, "is required")),
        Some(Value::String(text)) => checked_text(field, text, max, false),
        Some(_) => Err(problem(field, "must be a string")),
    }
}

pub fn checked_text(field: &str, text: &str, max: usize, empty_ok: bool) -> Result<String, FieldProblem> {
    if !empty_ok && text.trim().is_empty() {
        return Err(problem(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(problem(field, format!("must be at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(problem(field, "must not contain control characters"));
    }
    Ok(text.to_string())
}

/// A required number. JSON numbers are always finite here: one too large
/// for an f64 (`1e999`) is refused while parsing.
pub(super) fn number(record: &Map<String, Value>, field: &str) -> Result<f64, FieldProblem> {
    match record.get(field) {
        None | Some(Value::Null) => Err(problem(field, "is required")),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| problem(field, "must be a finite number")),
        Some(_) => Err(problem(field, "must be a number")),
    }
}

/// `ts`: optional (defaults to now), RFC 3339, within the accepted window.
pub(super) fn timestamp(record: &Map<String, Value>, window: TimeWindow) -> Result<DateTime<Utc>, FieldProblem> {
    match record.get("ts") {
        None | Some(Value::Null) => Ok(window.now),
        Some(Value::String(text)) => checked_timestamp(text, window),
        Some(_) => Err(problem("ts", "must be an RFC 3339 timestamp string")),
    }
}

/// An RFC 3339 timestamp within the accepted window.
pub(super) fn checked_timestamp(text: &str, window: TimeWindow) -> Result<DateTime<Utc>, FieldProblem> {
    let ts = DateTime::parse_from_rfc3339(text)
        .map(|ts| ts.with_timezone(&Utc))
        .map_err(|_| problem("ts", "must be an RFC 3339 timestamp such as 2026-11-24T10:15:00Z"))?;
    in_window(ts, window)
}

/// `ts` when it lies within the accepted window.
pub(super) fn in_window(ts: DateTime<Utc>, window: TimeWindow) -> Result<DateTime<Utc>, FieldProblem> {
    if ts < window.oldest {
        return Err(problem(
            "ts",
            format!("is older than the {}-day raw retention", window.retention_days),
        ));
    }
    if ts > window.newest {
        return Err(problem(
            "ts",
            format!("is more than {MAX_FUTURE_MINUTES} minutes in the future"),
        ));
    }
    Ok(ts)
}

pub(super) fn labels(record: &Map<String, Value>) -> Result<BTreeMap<String, String>, FieldProblem> {
    let map = match record.get("labels") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(problem("labels", "must be an object of string values")),
    };
    if map.len() > MAX_LABELS {
        return Err(problem("labels", format!("must hold at most {MAX_LABELS} labels")));
    }
    let mut labels = BTreeMap::new();
    for (key, value) in map {
        let Value::String(value) = value else {
            checked_label_key(key)?;
            return Err(problem(&format!("labels.{key}"), "must be a string"));
        };
        let (key, value) = checked_label(key, value)?;
        labels.insert(key, value);
    }
    Ok(labels)
}

pub fn checked_label_key(key: &str) -> Result<String, FieldProblem> {
    checked_text("labels", key, MAX_LABEL_CHARS, false).map_err(|(_, m)| problem("labels", format!("keys {m}")))
}

pub fn checked_label(key: &str, value: &str) -> Result<(String, String), FieldProblem> {
    let key = checked_label_key(key)?;
    let value = checked_text("labels", value, MAX_LABEL_CHARS, true)
        .map_err(|(_, message)| problem(&format!("labels.{key}"), message))?;
    Ok((key, value))
}
