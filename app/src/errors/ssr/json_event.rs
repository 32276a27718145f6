//! Opsdeck's own JSON for error events (`POST /api/v1/errors`, described
//! in docs/API.md), for services without a Sentry SDK: one event object,
//! or `{"events": [...]}`. Each record is checked field by field — a
//! refusal names the record and the field — and rewritten as the Sentry
//! event it stands for, so it is prepared, scrubbed, grouped and stored by
//! exactly the code an envelope's event goes through.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::event::{event_id, timestamp};

/// Most events in one request (more: 413).
pub const MAX_EVENTS: usize = 1000;

const LEVELS: [&str; 5] = ["fatal", "error", "warning", "info", "debug"];
const FIELDS: [&str; 13] = [
    "event_id",
    "timestamp",
    "level",
    "message",
    "exception",
    "release",
    "environment",
    "transaction",
    "user",
    "tags",
    "fingerprint",
    "extra",
    "request",
];
const EXCEPTION_FIELDS: [&str; 4] = ["type", "value", "module", "frames"];
const FRAME_FIELDS: [&str; 7] = [
    "function",
    "module",
    "filename",
    "lineno",
    "colno",
    "in_app",
    "context_line",
];
const USER_FIELDS: [&str; 4] = ["id", "email", "username", "ip_address"];
const REQUEST_FIELDS: [&str; 2] = ["method", "url"];

/// What is wrong with a body: the record (from 1) and field, when one is to blame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub record: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.record, &self.field) {
            (Some(record), Some(field)) => write!(f, "event {record}, field {field}: {}", self.message),
            (Some(record), None) => write!(f, "event {record}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

fn whole(message: impl Into<String>) -> Problem {
    Problem {
        record: None,
        field: None,
        message: message.into(),
    }
}

/// The body's records: one event object, or the array under `events`.
pub fn records(body: &[u8]) -> Result<Vec<Value>, Problem> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| whole(format!("the body is not valid JSON ({error})")))?;
    match value {
        Value::Object(mut map) if map.contains_key("events") => match map.remove("events") {
            Some(Value::Array(events)) if map.is_empty() => Ok(events),
            Some(Value::Array(_)) => Err(whole("a batch has only the field events")),
            _ => Err(whole("events must be an array of event objects")),
        },
        Value::Object(map) => Ok(vec![Value::Object(map)]),
        _ => Err(whole("the body must be an event object or {\"events\": [...]}")),
    }
}

/// A stable id for the `number`th event of a batch sent with
/// `Idempotency-Key`, so a retried batch answers the same ids.
pub fn derived_event_id(api_key_id: i64, idempotency_key: &str, number: usize) -> String {
    let digest = Sha256::digest(format!("{api_key_id}\n{idempotency_key}\n{number}"));
    hex::encode(digest)[..32].to_string()
}

/// Record `number` (from 1) as a Sentry event, or what is wrong with it.
pub fn to_sentry(record: &Value, number: usize) -> Result<Value, Problem> {
    let problem = |field: &str, message: &str| Problem {
        record: Some(number),
        field: Some(field.to_string()),
        message: message.to_string(),
    };
    let Some(fields) = record.as_object() else {
        return Err(Problem {
            record: Some(number),
            field: None,
            message: "is not a JSON object".to_string(),
        });
    };
    known(fields, &FIELDS, "").map_err(|field| problem(&field, "is not a known field"))?;
    let mut event = Map::new();
    for name in ["release", "environment", "transaction", "message"] {
        if let Some(value) = fields.get(name) {
            let text = value.as_str().ok_or_else(|| problem(name, "must be a string"))?;
            event.insert(name.to_string(), json!(text));
        }
    }
    if let Some(message) = event.remove("message") {
        event.insert("logentry".to_string(), json!({ "formatted": message }));
    }
    if let Some(value) = fields.get("event_id") {
        let id = value.as_str().and_then(event_id);
        let id = id.ok_or_else(|| problem("event_id", "must be 32 hex digits or a UUID"))?;
        event.insert("event_id".to_string(), json!(id));
    }
    if let Some(value) = fields.get("timestamp") {
        timestamp(Some(value)).ok_or_else(|| problem("timestamp", "must be RFC 3339 or seconds since 1970"))?;
        event.insert("timestamp".to_string(), value.clone());
    }
    if let Some(value) = fields.get("level") {
        let level = value.as_str().filter(|level| LEVELS.contains(level));
        let level = level.ok_or_else(|| problem("level", "must be fatal, error, warning, info or debug"))?;
        event.insert("level".to_string(), json!(level));
    }
    for (name, subfields) in [("user", &USER_FIELDS[..]), ("request", &REQUEST_FIELDS[..])] {
        if let Some(value) = fields.get(name) {
            event.insert(
                name.to_string(),
                texts(value, subfields, name).map_err(|(f, m)| problem(&f, &m))?,
            );
        }
    }
    if let Some(value) = fields.get("tags") {
        let tags = value.as_object().filter(|tags| tags.values().all(Value::is_string));
        tags.ok_or_else(|| problem("tags", "must be an object of strings"))?;
        event.insert("tags".to_string(), value.clone());
    }
    if let Some(value) = fields.get("extra") {
        value.as_object().ok_or_else(|| problem("extra", "must be an object"))?;
        event.insert("extra".to_string(), value.clone());
    }
    if let Some(value) = fields.get("fingerprint") {
        let parts = value
            .as_array()
            .filter(|parts| !parts.is_empty() && parts.iter().all(Value::is_string));
        parts.ok_or_else(|| problem("fingerprint", "must be a non-empty array of strings"))?;
        event.insert("fingerprint".to_string(), value.clone());
    }
    if let Some(value) = fields.get("exception") {
        let exception = exception(value).map_err(|(f, m)| problem(&f, &m))?;
        event.insert("exception".to_string(), json!({ "values": [exception] }));
    }
    if !event.contains_key("logentry") && !event.contains_key("exception") {
        return Err(problem("message", "is required when there is no exception"));
    }
    event.insert("platform".to_string(), json!("other"));
    event.insert("sdk".to_string(), json!({ "name": "opsdeck.json", "version": "1" }));
    Ok(Value::Object(event))
}

/// `Err(field)` naming the first field not in `allowed` (`prefix` before it).
fn known(fields: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), String> {
    match fields.keys().find(|name| !allowed.contains(&name.as_str())) {
        Some(name) => Err(format!("{prefix}{name}")),
        None => Ok(()),
    }
}

type FieldProblem = (String, String);

/// An object of text fields (numbers are taken as text, like user ids).
fn texts(value: &Value, allowed: &[&str], name: &str) -> Result<Value, FieldProblem> {
    let fields = value
        .as_object()
        .ok_or_else(|| (name.to_string(), "must be an object".to_string()))?;
    known(fields, allowed, &format!("{name}.")).map_err(|field| (field, "is not a known field".to_string()))?;
    let mut out = Map::new();
    for (key, value) in fields {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err((format!("{name}.{key}"), "must be a string".to_string())),
        };
        out.insert(key.clone(), json!(text));
    }
    Ok(Value::Object(out))
}

fn exception(value: &Value) -> Result<Value, FieldProblem> {
    let bad = |field: &str, message: &str| (format!("exception.{field}"), message.to_string());
    let fields = value
        .as_object()
        .ok_or_else(|| ("exception".to_string(), "must be an object".to_string()))?;
    known(fields, &EXCEPTION_FIELDS, "exception.").map_err(|field| (field, "is not a known field".to_string()))?;
    let kind = fields.get("type").and_then(Value::as_str).map(str::trim);
    let kind = kind
        .filter(|kind| !kind.is_empty())
        .ok_or_else(|| bad("type", "must be a non-empty string"))?;
    let mut out = json!({ "type": kind });
    for name in ["value", "module"] {
        if let Some(text) = fields.get(name) {
            out[name] = json!(text.as_str().ok_or_else(|| bad(name, "must be a string"))?);
        }
    }
    if let Some(frames) = fields.get("frames") {
        let frames = frames.as_array().ok_or_else(|| bad("frames", "must be an array"))?;
        let checked = frames
            .iter()
            .enumerate()
            .map(|(n, frame)| checked_frame(frame).map_err(|message| bad(&format!("frames[{n}]"), &message)))
            .collect::<Result<Vec<_>, _>>()?;
        out["stacktrace"] = json!({ "frames": checked });
    }
    Ok(out)
}

fn checked_frame(frame: &Value) -> Result<Value, String> {
    let fields = frame.as_object().ok_or("must be an object")?;
    known(fields, &FRAME_FIELDS, "").map_err(|field| format!("{field} is not a known field"))?;
    for (name, value) in fields {
        let fits = match name.as_str() {
            "lineno" | "colno" => value.as_u64().is_some(),
            "in_app" => value.is_boolean(),
            _ => value.is_string(),
        };
        if !fits {
            let kind = match name.as_str() {
                "lineno" | "colno" => "a whole number",
                "in_app" => "true or false",
                _ => "a string",
            };
            return Err(format!("{name} must be {kind}"));
        }
    }
    Ok(frame.clone())
}

#[cfg(test)]
mod tests;
