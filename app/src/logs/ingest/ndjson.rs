//! The NDJSON door's body (`POST /api/v1/logs`): one JSON object per line,
//!
//! ```json
//! {"ts":"2026-12-06T10:15:00Z","service":"checkout","level":"error","message":"payment declined","attributes":{"order":42},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","host":"web-1"}
//! ```
//!
//! `service` and `message` are required; `ts` defaults to the time of
//! receipt, `level` to info. The whole body is refused at the first bad line
//! (400, naming the line number and the field), so nothing is half-stored.
//! A line that is not valid UTF-8 is refused, not repaired.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Field, TimeWindow, check, flatten_into};
use crate::logs::{Level, NewLogLine};

/// The fields a line may have.
pub const FIELDS: [&str; 8] = [
    "ts",
    "service",
    "level",
    "message",
    "attributes",
    "trace_id",
    "span_id",
    "host",
];

/// Why a body was refused: the 400 answer's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NdjsonError {
    pub error: String,
    /// 1-based line number.
    pub line: Option<usize>,
    pub field: Option<String>,
}

fn refused(line: usize, field: Option<&str>, message: impl std::fmt::Display) -> NdjsonError {
    let error = match field {
        Some(field) => format!("line {line}: {field} {message}"),
        None => format!("line {line} {message}"),
    };
    NdjsonError {
        error,
        line: Some(line),
        field: field.map(str::to_string),
    }
}

/// The lines of `body` that hold something (blank lines are skipped).
pub fn count_lines(body: &[u8]) -> usize {
    body.split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count()
}

/// Every line of `body`, checked; the first bad one refuses the body.
pub fn parse(body: &[u8], window: TimeWindow) -> Result<Vec<NewLogLine>, NdjsonError> {
    let mut lines = Vec::new();
    for (index, raw) in body.split(|b| *b == b'\n').enumerate() {
        let number = index + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(raw).map_err(|error| {
            refused(
                number,
                None,
                format!(
                    "is not valid UTF-8 (at byte {}); log lines must be UTF-8 text",
                    error.valid_up_to()
                ),
            )
        })?;
        let record = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(record)) => record,
            Ok(_) => return Err(refused(number, None, "is not a JSON object")),
            Err(error) => return Err(refused(number, None, format!("is not valid JSON ({error})"))),
        };
        let line = line(&record, window).map_err(|(field, message)| refused(number, Some(&field), message))?;
        lines.push(line);
    }
    Ok(lines)
}

type FieldProblem = (String, String);

fn line(record: &Map<String, Value>, window: TimeWindow) -> Result<NewLogLine, FieldProblem> {
    if let Some(key) = record.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err((
            key.clone(),
            format!("is not a field of a log line (expected one of {})", FIELDS.join(", ")),
        ));
    }
    let ts = match record.get("ts") {
        None | Some(Value::Null) => window.now,
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|ts| ts.to_utc())
            .map_err(|_| problem("ts", "must be an RFC 3339 timestamp such as 2026-12-06T10:15:00Z"))?,
        Some(_) => return Err(problem("ts", "must be an RFC 3339 timestamp string")),
    };
    let service = text(record, "service")?.ok_or_else(|| problem("service", "is required"))?;
    let (severity, severity_text) = level(record.get("level"))?;
    let body = text(record, "message")?.ok_or_else(|| problem("message", "is required"))?;
    let mut attributes = Map::new();
    match record.get("attributes") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                flatten_into(&mut attributes, key.clone(), value.clone());
            }
        }
        Some(_) => return Err(problem("attributes", "must be an object")),
    }
    let mut line = NewLogLine {
        ts,
        observed_ts: window.now,
        service,
        host: text(record, "host")?.unwrap_or_default(),
        severity,
        severity_text,
        body,
        attributes: Value::Object(attributes),
        trace_id: text(record, "trace_id")?,
        span_id: text(record, "span_id")?,
    };
    check(&mut line, window).map_err(|problem| (field_name(problem.field).to_string(), problem.message))?;
    Ok(line)
}

fn problem(field: &str, message: &str) -> FieldProblem {
    (field.to_string(), message.to_string())
}

/// A string field; absent or null is `None`.
fn text(record: &Map<String, Value>, field: &str) -> Result<Option<String>, FieldProblem> {
    match record.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(problem(field, "must be a string")),
    }
}

/// A level name (`warn`, `ERROR`, `critical`…) or a SeverityNumber; info
/// when absent.
fn level(value: Option<&Value>) -> Result<(i16, String), FieldProblem> {
    const EXPECTED: &str =
        "must be a level name (trace, debug, info, warn, error, fatal) or an OpenTelemetry SeverityNumber 1 to 24";
    match value {
        None | Some(Value::Null) => Ok((Level::Info.severity(), String::new())),
        Some(Value::String(name)) => Level::parse(name)
            .map(|level| (level.severity(), name.trim().to_string()))
            .ok_or_else(|| problem("level", EXPECTED)),
        Some(Value::Number(number)) => number
            .as_i64()
            .filter(|n| (1..=24).contains(n))
            .and_then(|n| i16::try_from(n).ok())
            .map(|n| (n, String::new()))
            .ok_or_else(|| problem("level", EXPECTED)),
        Some(_) => Err(problem("level", EXPECTED)),
    }
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Ts => "ts",
        Field::Service => "service",
        Field::Host => "host",
        Field::Severity | Field::SeverityText => "level",
        Field::Body => "message",
        Field::Attributes => "attributes",
        Field::TraceId => "trace_id",
        Field::SpanId => "span_id",
    }
}
