//! The common case of a JSON body, read straight into typed records: a valid
//! batch is parsed without building a JSON tree per record (a third of the
//! time the located reader takes). It applies the same checks as the located
//! reader, through the same functions, and gives up at the first problem of
//! any kind, JSON or field: the caller then reads the body again through the
//! located reader, which finds the problem and names its record and field.
//! So a valid body gives the same batch either way, and an invalid one the
//! same error.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::fields::{
    checked_duration, checked_kind, checked_label, checked_method, checked_status, checked_text, checked_timestamp,
    checked_value,
};
use super::{MAX_LABELS, MAX_METHOD_CHARS, MAX_NAME_CHARS, MAX_RECORDS, TimeWindow};
use crate::metrics::{IngestBatch, MetricSample, RequestEvent};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body<'a> {
    #[serde(borrow, default)]
    requests: Vec<Request<'a>>,
    #[serde(borrow, default)]
    samples: Vec<Sample<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request<'a> {
    #[serde(borrow)]
    service: Cow<'a, str>,
    #[serde(borrow)]
    endpoint: Cow<'a, str>,
    #[serde(borrow)]
    method: Cow<'a, str>,
    status: i64,
    duration_ms: f64,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample<'a> {
    #[serde(borrow)]
    service: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    value: f64,
    #[serde(borrow, default)]
    labels: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
}

/// The batch, or `None` at the first problem of any kind.
pub(super) fn parse_json(text: &str, window: TimeWindow) -> Option<IngestBatch> {
    let body: Body = serde_json::from_str(text).ok()?;
    if body.requests.len() + body.samples.len() > MAX_RECORDS {
        return None;
    }
    let requests = body
        .requests
        .iter()
        .map(|record| request(record, window))
        .collect::<Option<Vec<_>>>()?;
    let samples = body
        .samples
        .iter()
        .map(|record| sample(record, window))
        .collect::<Option<Vec<_>>>()?;
    Some(IngestBatch { requests, samples })
}

fn request(record: &Request, window: TimeWindow) -> Option<RequestEvent> {
    let method = checked_text("method", &record.method, MAX_METHOD_CHARS, false).ok()?;
    Some(RequestEvent {
        service: checked_text("service", &record.service, MAX_NAME_CHARS, false).ok()?,
        endpoint: checked_text("endpoint", &record.endpoint, MAX_NAME_CHARS, false).ok()?,
        method: checked_method(&method).ok()?,
        status: checked_status(record.status).ok()?,
        duration_ms: checked_duration(record.duration_ms).ok().filter(|ms| ms.is_finite())?,
        ts: timestamp(record.ts.as_deref(), window)?,
    })
}

fn sample(record: &Sample, window: TimeWindow) -> Option<MetricSample> {
    let kind = checked_kind(&record.kind).ok()?;
    let labels = match &record.labels {
        None => BTreeMap::new(),
        Some(labels) if labels.len() > MAX_LABELS => return None,
        Some(labels) => labels
            .iter()
            .map(|(key, value)| checked_label(key, value).ok())
            .collect::<Option<BTreeMap<_, _>>>()?,
    };
    Some(MetricSample {
        service: checked_text("service", &record.service, MAX_NAME_CHARS, false).ok()?,
        name: checked_text("name", &record.name, MAX_NAME_CHARS, false).ok()?,
        value: checked_value(kind, record.value).ok()?,
        labels,
        ts: timestamp(record.ts.as_deref(), window)?,
        kind,
    })
}

/// `ts` defaults to now, as in the located reader.
fn timestamp(text: Option<&str>, window: TimeWindow) -> Option<chrono::DateTime<chrono::Utc>> {
    match text {
        None => Some(window.now),
        Some(text) => checked_timestamp(text, window).ok(),
    }
}
