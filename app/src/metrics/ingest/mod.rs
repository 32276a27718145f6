//! Parsing an ingest request body into a validated [`IngestBatch`]: the
//! boundary where raw JSON or NDJSON from emitters becomes trusted records.
//!
//! The whole batch is refused at the first problem, and the error names
//! where it is: the record (index within its list for JSON, 1-based line
//! number for NDJSON) and the field. To name the record even when the JSON
//! itself is malformed (a number like `1e999`, a truncated string), records
//! are read through a small streaming visitor that remembers where it is
//! (`located`); `fields` checks each field, `fast` reads a valid JSON body
//! without building a tree per record.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeSeed;
use serde_json::Value;

use super::IngestBatch;
pub use crate::metrics::settings::IngestSettings;
pub use fields::{FieldProblem, checked_label, checked_request, checked_text};
use fields::{metric_sample, request_event};
use located::{BodySeed, Place, RecordSeed};

mod fast;
mod fields;
mod located;

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

#[cfg(test)]
mod tests;
