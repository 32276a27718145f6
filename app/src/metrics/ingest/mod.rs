//! Parsing an ingest request body into a validated [`IngestBatch`]: the
//! boundary where raw JSON or NDJSON from emitters becomes trusted records.
//!
//! The whole batch is refused at the first problem, and the error names
//! where it is: the record (index within its list for JSON, 1-based line
//! number for NDJSON) and the field. To name the record even when the JSON
//! itself is malformed (a number like `1e999`, a truncated string), records
//! are read through a small streaming visitor that remembers where it is.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{IngestBatch, MetricKind, MetricSample, RequestEvent};
pub use crate::metrics::settings::IngestSettings;

/// Most records (requests plus samples) in one batch.
pub const MAX_RECORDS: usize = 10_000;
/// Longest service, endpoint or metric name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_LABELS: usize = 20;
/// Longest label key or value, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_METHOD_CHARS: usize = 16;
/// One hour.
pub const MAX_DURATION_MS: f64 = 3_600_000.0;
/// Largest magnitude of a sample's value. A minute's rollup adds its
/// samples' values: at this bound a series needs 10^8 samples in one minute
/// before the sum could leave f64's range (~1.8e308), and past that the
/// rollup saturates instead of failing (`store.rs`). A sample at 1e308 used
/// to overflow its minute's sum and refuse every later batch touching it.
pub const MAX_SAMPLE_VALUE: f64 = 1e300;
/// Raw events are kept this long by default (`OPSDECK_RETENTION_RAW_DAYS`);
/// older ones would be dropped by retention at once.
pub const DEFAULT_RAW_RETENTION_DAYS: u32 = 7;
/// Clock skew tolerated for timestamps in the future.
pub const MAX_FUTURE_MINUTES: i64 = 10;

/// The two body formats the ingest API accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// `{"requests": [...], "samples": [...]}`
    Json,
    /// One record per line, each with `"type": "request"` or `"sample"`.
    Ndjson,
}

/// The time window timestamps must fall in.
#[derive(Clone, Copy, Debug)]
pub struct TimeWindow {
    pub now: DateTime<Utc>,
    pub retention_days: u32,
    pub oldest: DateTime<Utc>,
    pub newest: DateTime<Utc>,
}

impl TimeWindow {
    pub fn around(now: DateTime<Utc>, retention_days: u32) -> Self {
        Self {
            now,
            retention_days,
            oldest: now - Duration::days(i64::from(retention_days)),
            newest: now + Duration::minutes(MAX_FUTURE_MINUTES),
        }
    }
}

/// Why a batch was refused: the 400 response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IngestError {
    pub error: String,
    /// Index within its list (JSON) or 1-based line number (NDJSON).
    pub record: Option<usize>,
    pub field: Option<String>,
    /// `requests` or `samples` (JSON bodies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<&'static str>,
}

impl IngestError {
    fn whole(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            record: None,
            field: None,
            list: None,
        }
    }
}

/// Parses and validates a whole body.
pub fn parse_body(body: &[u8], format: BodyFormat, window: TimeWindow) -> Result<IngestBatch, IngestError> {
    let text = std::str::from_utf8(body).map_err(|error| {
        let line = body[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        let message = format!(
            "the body is not valid UTF-8 (line {line}, byte {})",
            error.valid_up_to()
        );
        match format {
            BodyFormat::Json => IngestError::whole(message),
            BodyFormat::Ndjson => IngestError {
                record: Some(line),
                ..IngestError::whole(message)
            },
        }
    })?;
    match format {
        BodyFormat::Json => parse_json(text, window),
        BodyFormat::Ndjson => parse_ndjson(text, window),
    }
}

fn parse_json(text: &str, window: TimeWindow) -> Result<IngestBatch, IngestError> {
    match fast::parse_json(text, window) {
        Some(batch) => Ok(batch),
        None => parse_json_located(text, window),
    }
}

/// Reads a JSON body through the located reader, which names the record and
/// field of the first problem.
fn parse_json_located(text: &str, window: TimeWindow) -> Result<IngestBatch, IngestError> {
    let place = Place::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let lists = BodySeed(&place)
        .deserialize(&mut deserializer)
        .and_then(|lists| deserializer.end().map(|()| lists));
    let (requests, samples) = lists.map_err(|error| place.error(&error))?;
    let mut batch = IngestBatch::default();
    for (index, record) in requests.into_iter().enumerate() {
        let at = |(field, message): (String, String)| IngestError {
            error: format!("requests[{index}].{field} {message}"),
            record: Some(index),
            field: Some(field),
            list: Some("requests"),
        };
        batch.requests.push(request_event(&record, &[], window).map_err(at)?);
    }
    for (index, record) in samples.into_iter().enumerate() {
        let at = |(field, message): (String, String)| IngestError {
            error: format!("samples[{index}].{field} {message}"),
            record: Some(index),
            field: Some(field),
            list: Some("samples"),
        };
        batch.samples.push(metric_sample(&record, &[], window).map_err(at)?);
    }
    Ok(batch)
}

fn parse_ndjson(text: &str, window: TimeWindow) -> Result<IngestBatch, IngestError> {
    let mut batch = IngestBatch::default();
    for (number, line) in text
        .split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
    {
        if line.trim().is_empty() {
            continue;
        }
        let at = |field: Option<String>, message: String| IngestError {
            error: format!(
                "line {number}: {}{message}",
                field.as_deref().map(|f| format!("{f} ")).unwrap_or_default()
            ),
            record: Some(number),
            field,
            list: None,
        };
        if batch.len() >= MAX_RECORDS {
            return Err(at(None, format!("a batch holds at most {MAX_RECORDS} records")));
        }
        let place = Place::default();
        let mut deserializer = serde_json::Deserializer::from_str(line);
        let record = RecordSeed(&place)
            .deserialize(&mut deserializer)
            .and_then(|record| deserializer.end().map(|()| record))
            .map_err(|error| {
                let located = place.error(&error);
                IngestError {
                    error: format!("line {number}: {}", located.error),
                    record: Some(number),
                    field: located.field,
                    list: None,
                }
            })?;
        let kind = match record.get("type") {
            Some(Value::String(kind)) => kind.as_str(),
            Some(_) => return Err(at(Some("type".into()), "must be \"request\" or \"sample\"".into())),
            None => return Err(at(Some("type".into()), "is required: \"request\" or \"sample\"".into())),
        };
        match kind {
            "request" => batch
                .requests
                .push(request_event(&record, &["type"], window).map_err(|(f, m)| at(Some(f), m))?),
            "sample" => batch
                .samples
                .push(metric_sample(&record, &["type"], window).map_err(|(f, m)| at(Some(f), m))?),
            _ => return Err(at(Some("type".into()), "must be \"request\" or \"sample\"".into())),
        }
    }
    Ok(batch)
}

/// A field's problem: (field, message).
type FieldProblem = (String, String);

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    (field.to_string(), message.into())
}

const REQUEST_FIELDS: [&str; 6] = ["service", "endpoint", "method", "status", "duration_ms", "ts"];
const SAMPLE_FIELDS: [&str; 6] = ["service", "name", "value", "labels", "ts", "kind"];

fn no_unknown_fields(record: &Map<String, Value>, known: &[&str], extra: &[&str]) -> Result<(), FieldProblem> {
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

fn request_event(
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

/// An HTTP method (letters only), upper-cased; `text` is already a checked name.
fn checked_method(text: &str) -> Result<String, FieldProblem> {
    if !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(problem("method", "must be an HTTP method such as GET or POST"));
    }
    Ok(text.to_ascii_uppercase())
}

fn checked_status(status: i64) -> Result<i16, FieldProblem> {
    i16::try_from(status)
        .ok()
        .filter(|status| (100..=599).contains(status))
        .ok_or_else(|| problem("status", "must be an HTTP status between 100 and 599"))
}

fn checked_duration(duration_ms: f64) -> Result<f64, FieldProblem> {
    if duration_ms < 0.0 {
        return Err(problem("duration_ms", "must not be negative"));
    }
    if duration_ms > MAX_DURATION_MS {
        return Err(problem("duration_ms", "must be at most 3600000 (one hour)"));
    }
    Ok(duration_ms)
}

fn metric_sample(
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

fn checked_kind(kind: &str) -> Result<MetricKind, FieldProblem> {
    match kind {
        "gauge" => Ok(MetricKind::Gauge),
        "counter" => Ok(MetricKind::Counter),
        _ => Err(problem("kind", "must be \"gauge\" or \"counter\"")),
    }
}

fn checked_value(kind: MetricKind, value: f64) -> Result<f64, FieldProblem> {
    if !value.is_finite() || value.abs() > MAX_SAMPLE_VALUE {
        return Err(problem("value", "must be a finite number from -1e300 to 1e300"));
    }
    if kind == MetricKind::Counter && value < 0.0 {
        return Err(problem("value", "must not be negative for a counter"));
    }
    Ok(value)
}

/// A required, non-empty string of at most `max` characters, no control characters.
fn name(record: &Map<String, Value>, field: &str, max: usize) -> Result<String, FieldProblem> {
    match record.get(field) {
        None | Some(Value::Null) => Err(problem(field, "is required")),
        Some(Value::String(text)) => checked_text(field, text, max, false),
        Some(_) => Err(problem(field, "must be a string")),
    }
}

fn checked_text(field: &str, text: &str, max: usize, empty_ok: bool) -> Result<String, FieldProblem> {
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
fn number(record: &Map<String, Value>, field: &str) -> Result<f64, FieldProblem> {
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
fn timestamp(record: &Map<String, Value>, window: TimeWindow) -> Result<DateTime<Utc>, FieldProblem> {
    match record.get("ts") {
        None | Some(Value::Null) => Ok(window.now),
        Some(Value::String(text)) => checked_timestamp(text, window),
        Some(_) => Err(problem("ts", "must be an RFC 3339 timestamp string")),
    }
}

/// An RFC 3339 timestamp within the accepted window.
fn checked_timestamp(text: &str, window: TimeWindow) -> Result<DateTime<Utc>, FieldProblem> {
    let ts = DateTime::parse_from_rfc3339(text)
        .map(|ts| ts.with_timezone(&Utc))
        .map_err(|_| problem("ts", "must be an RFC 3339 timestamp such as 2026-11-24T10:15:00Z"))?;
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

fn labels(record: &Map<String, Value>) -> Result<BTreeMap<String, String>, FieldProblem> {
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

fn checked_label_key(key: &str) -> Result<String, FieldProblem> {
    checked_text("labels", key, MAX_LABEL_CHARS, false).map_err(|(_, m)| problem("labels", format!("keys {m}")))
}

fn checked_label(key: &str, value: &str) -> Result<(String, String), FieldProblem> {
    let key = checked_label_key(key)?;
    let value = checked_text("labels", value, MAX_LABEL_CHARS, true)
        .map_err(|(_, message)| problem(&format!("labels.{key}"), message))?;
    Ok((key, value))
}

// --- Streaming with a location -------------------------------------------

/// Where the reader is, so a parse error can name the record and field.
#[derive(Default)]
struct Place {
    list: Cell<Option<&'static str>>,
    index: Cell<Option<usize>>,
    field: RefCell<Option<String>>,
    records: Cell<usize>,
    /// A problem found by the reader itself (not a JSON syntax error).
    problem: RefCell<Option<String>>,
}

impl Place {
    fn fail<E: de::Error>(&self, message: String) -> E {
        *self.problem.borrow_mut() = Some(message.clone());
        E::custom(message)
    }

    fn error(&self, error: &serde_json::Error) -> IngestError {
        let field = self.field.borrow().clone();
        let list = self.list.get();
        let record = self.index.get();
        let detail = self
            .problem
            .borrow()
            .clone()
            .unwrap_or_else(|| format!("invalid JSON: {error}"));
        let error = match (list, record, &field) {
            (Some(list), Some(index), Some(field)) => format!("{list}[{index}].{field}: {detail}"),
            (Some(list), Some(index), None) => format!("{list}[{index}]: {detail}"),
            (_, _, Some(field)) => format!("{field}: {detail}"),
            _ => detail,
        };
        IngestError {
            error,
            record,
            field,
            list,
        }
    }
}

type Records = Vec<Map<String, Value>>;

/// The JSON body: an object with optional `requests` and `samples` lists.
struct BodySeed<'a>(&'a Place);

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = (Records, Records);

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BodySeed<'_> {
    type Value = (Records, Records);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with \"requests\" and/or \"samples\" lists")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let (mut requests, mut samples) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            let (slot, list) = match key.as_str() {
                "requests" => (&mut requests, "requests"),
                "samples" => (&mut samples, "samples"),
                _ => {
                    *place.field.borrow_mut() = Some(key.clone());
                    return Err(
                        place.fail("is not a field of the body (expected \"requests\" and/or \"samples\")".into())
                    );
                }
            };
            if slot.is_some() {
                *place.field.borrow_mut() = Some(key.clone());
                return Err(place.fail("appears twice".into()));
            }
            place.list.set(Some(list));
            *slot = Some(map.next_value_seed(ListSeed(place))?);
            place.list.set(None);
        }
        Ok((requests.unwrap_or_default(), samples.unwrap_or_default()))
    }
}

/// One list of records; counts them against [`MAX_RECORDS`] as it goes.
struct ListSeed<'a>(&'a Place);

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Records;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Records;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let mut records = Vec::new();
        loop {
            place.index.set(Some(records.len()));
            let Some(record) = seq.next_element_seed(RecordSeed(place))? else {
                break;
            };
            place.records.set(place.records.get() + 1);
            if place.records.get() > MAX_RECORDS {
                return Err(place.fail(format!("a batch holds at most {MAX_RECORDS} records")));
            }
            records.push(record);
        }
        place.index.set(None);
        Ok(records)
    }
}

/// One record: an object whose values are kept as JSON for validation.
struct RecordSeed<'a>(&'a Place);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let mut record = Map::new();
        *place.field.borrow_mut() = None;
        while let Some(key) = map.next_key::<String>()? {
            *place.field.borrow_mut() = Some(key.clone());
            let value: Value = map.next_value()?;
            if record.contains_key(&key) {
                return Err(place.fail("appears twice".into()));
            }
            record.insert(key, value);
            *place.field.borrow_mut() = None;
        }
        Ok(record)
    }
}

mod fast;

#[cfg(test)]
mod tests;
