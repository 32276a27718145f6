//! The checks every door applies to a line before it is stored (OTLP/HTTP,
//! NDJSON, Opsdeck's own events): the limits, the time window, and the
//! clean-up Postgres needs. A door builds a [`NewLogLine`], calls [`check`],
//! and names the failing field in its own vocabulary ([`Field`]).
//!
//! Strings are UTF-8 by the time they get here (both doors refuse bodies
//! that are not); a NUL character, which Postgres cannot store in text or
//! JSONB, is replaced by U+FFFD.

use serde_json::{Map, Value};

use crate::logs::NewLogLine;
pub use crate::metrics::ingest::TimeWindow;

pub mod ndjson;

/// Longest body (message) of one line, in bytes (UTF-8).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most attributes of one line, after resource, scope and record attributes
/// are merged and nested maps flattened to dotted keys.
pub const MAX_ATTRIBUTES: usize = 128;
/// Longest attribute key, in characters.
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 256;
/// Largest attributes object of one line, as JSON text, in bytes.
pub const MAX_ATTRIBUTES_BYTES: usize = 64 * 1024;
/// Longest service or host name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest severity text (`WARN`, `Error`…), in characters.
pub const MAX_SEVERITY_TEXT_CHARS: usize = 32;
/// Most lines (OTLP log records or NDJSON lines) in one request.
pub const MAX_LINES: usize = 20_000;
/// Deepest nesting of maps in an attribute value that is flattened.
const MAX_DEPTH: usize = 8;

/// A line's part, for the door to name in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Ts,
    Service,
    Host,
    Severity,
    SeverityText,
    Body,
    Attributes,
    TraceId,
    SpanId,
}

/// What is wrong with one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

fn problem(field: Field, message: impl Into<String>) -> Problem {
    Problem {
        field,
        message: message.into(),
    }
}

/// Checks `line` against the limits and `window`, cleaning its strings;
/// the first problem found (in field order) refuses it.
pub fn check(line: &mut NewLogLine, window: TimeWindow) -> Result<(), Problem> {
    if line.ts < window.oldest {
        return Err(problem(
            Field::Ts,
            format!(
                "is older than the {}-day log retention ({})",
                window.retention_days,
                line.ts.to_rfc3339()
            ),
        ));
    }
    if line.ts > window.newest {
        return Err(problem(
            Field::Ts,
            format!(
                "is more than {} minutes in the future ({})",
                crate::metrics::ingest::MAX_FUTURE_MINUTES,
                line.ts.to_rfc3339()
            ),
        ));
    }
    name(&mut line.service, Field::Service, true)?;
    name(&mut line.host, Field::Host, false)?;
    if !(0..=24).contains(&line.severity) {
        return Err(problem(
            Field::Severity,
            "must be an OpenTelemetry SeverityNumber, 0 to 24",
        ));
    }
    if line.severity_text.chars().count() > MAX_SEVERITY_TEXT_CHARS {
        return Err(problem(
            Field::SeverityText,
            format!("is longer than {MAX_SEVERITY_TEXT_CHARS} characters"),
        ));
    }
    clean(&mut line.severity_text);
    if line.body.len() > MAX_BODY_BYTES {
        return Err(problem(
            Field::Body,
            format!(
                "is {} bytes; at most {MAX_BODY_BYTES} are stored per line",
                line.body.len()
            ),
        ));
    }
    clean(&mut line.body);
    attributes(&mut line.attributes)?;
    line.trace_id = hex_id(line.trace_id.take(), 32, Field::TraceId)?;
    line.span_id = hex_id(line.span_id.take(), 16, Field::SpanId)?;
    Ok(())
}

fn name(value: &mut String, field: Field, required: bool) -> Result<(), Problem> {
    let trimmed = value.trim();
    if trimmed.len() != value.len() {
        *value = trimmed.to_string();
    }
    if required && value.is_empty() {
        return Err(problem(field, "is required"));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(problem(field, format!("is longer than {MAX_NAME_CHARS} characters")));
    }
    clean(value);
    Ok(())
}

fn attributes(value: &mut Value) -> Result<(), Problem> {
    let Value::Object(map) = value else {
        return Err(problem(Field::Attributes, "must be an object"));
    };
    if map.len() > MAX_ATTRIBUTES {
        return Err(problem(
            Field::Attributes,
            format!(
                "has {} attributes; at most {MAX_ATTRIBUTES} are stored per line",
                map.len()
            ),
        ));
    }
    if let Some(key) = map.keys().find(|key| key.chars().count() > MAX_ATTRIBUTE_KEY_CHARS) {
        let start: String = key.chars().take(40).collect();
        return Err(problem(
            Field::Attributes,
            format!("key '{start}…' is longer than {MAX_ATTRIBUTE_KEY_CHARS} characters"),
        ));
    }
    let size = serde_json::to_vec(map).map(|json| json.len()).unwrap_or(usize::MAX);
    if size > MAX_ATTRIBUTES_BYTES {
        return Err(problem(
            Field::Attributes,
            format!("are {size} bytes as JSON; at most {MAX_ATTRIBUTES_BYTES} are stored per line"),
        ));
    }
    if needs_cleaning(value) {
        clean_value(value);
    }
    Ok(())
}

/// `None` for absent, empty or all-zero ids (OTLP's "no trace"); otherwise
/// `digits` hex digits, stored lowercase.
fn hex_id(id: Option<String>, digits: usize, field: Field) -> Result<Option<String>, Problem> {
    let Some(id) = id else { return Ok(None) };
    if id.is_empty() || id.bytes().all(|b| b == b'0') {
        return Ok(None);
    }
    if id.len() != digits || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(problem(field, format!("must be {digits} hexadecimal digits")));
    }
    Ok(Some(id.to_ascii_lowercase()))
}

fn clean(text: &mut String) {
    if text.contains('\0') {
        *text = text.replace('\0', "\u{FFFD}");
    }
}

fn needs_cleaning(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(needs_cleaning),
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || needs_cleaning(value)),
        _ => false,
    }
}

fn clean_value(value: &mut Value) {
    match value {
        Value::String(text) => clean(text),
        Value::Array(items) => items.iter_mut().for_each(clean_value),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (mut key, mut value) in entries {
                clean(&mut key);
                clean_value(&mut value);
                map.insert(key, value);
            }
        }
        _ => {}
    }
}

/// Adds `value` under `key` to `out`, a nested object becoming dotted keys
/// (`{"http": {"method": "GET"}}` → `http.method`), so every attribute can be
/// asked for by one name. Past [`MAX_DEPTH`] levels an object is kept whole.
pub fn flatten_into(out: &mut Map<String, Value>, key: String, value: Value) {
    flatten_at(out, key, value, 0);
}

fn flatten_at(out: &mut Map<String, Value>, key: String, value: Value, depth: usize) {
    match value {
        Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            for (inner, value) in map {
                flatten_at(out, format!("{key}.{inner}"), value, depth + 1);
            }
        }
        value => {
            out.insert(key, value);
        }
    }
}

/// A float as JSON: a number when finite, otherwise its name (`NaN`, `inf`).
pub fn float_value(value: f64) -> Value {
    serde_json::Number::from_f64(value)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(value.to_string()))
}

#[cfg(test)]
mod tests;
