//! OTLP metrics into checked points (`app::metrics::ssr::points` has what
//! each kind of point becomes).
//!
//! - The service is the resource's `service.name` (`unknown_service` when
//!   missing); a point's labels are its attributes (resource and scope
//!   attributes are not labels), values as text: at most
//!   [`MAX_LABELS`] labels of at most [`MAX_LABEL_CHARS`] characters.
//! - A point that fails a check is refused alone, with the reason: no time,
//!   a time outside the raw retention window, a start after its time, a
//!   missing, NaN or infinite value, a sum or histogram without a
//!   temporality, a histogram whose bounds are not ascending or whose
//!   buckets do not add up to its count, an exponential histogram's scale
//!   out of range, too many labels or buckets. A point flagged "no recorded
//!   value" is skipped (neither stored nor refused).
//! - `http.server.request.duration` histograms in `s` or `ms` also stand for
//!   requests: endpoint `http.route` (else `http.request.method`, else
//!   `HTTP`), errors where `http.response.status_code` ≥ 500 (or, without a
//!   status, where `error.type` is set).

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use serde_json::Value;

use app::metrics::ingest::{MAX_LABEL_CHARS, MAX_LABELS, MAX_NAME_CHARS, TimeWindow, checked_label, checked_text};
use app::metrics::ssr::points::{DISTRIBUTION_SUFFIXES, Point, Reading, RequestSeries, Series};

use super::super::attributes::{of_resource, service_of, time, to_json};
use super::readings::{Common, NO_RECORDED_VALUE, readings};

/// The request duration histogram of the HTTP semantic conventions.
pub const REQUEST_DURATION: &str = "http.server.request.duration";

/// What an export holds, checked.
#[derive(Debug, Default)]
pub struct Converted {
    pub points: Vec<Point>,
    /// One description per refused data point.
    pub refused: Vec<String>,
}

/// Every data point of `export`, checked; see the module's rules.
pub fn convert(export: ExportMetricsServiceRequest, window: TimeWindow) -> Converted {
    let mut converted = Converted::default();
    for (r, resource_metrics) in export.resource_metrics.into_iter().enumerate() {
        let service = service_of(&of_resource(resource_metrics.resource));
        for (s, scope_metrics) in resource_metrics.scope_metrics.into_iter().enumerate() {
            for (m, metric) in scope_metrics.metrics.into_iter().enumerate() {
                let path = format!("resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]");
                let to_ms = match metric.unit.as_str() {
                    "s" if metric.name == REQUEST_DURATION => Some(1000.0),
                    "ms" if metric.name == REQUEST_DURATION => Some(1.0),
                    _ => None,
                };
                let has_data = metric.data.is_some();
                let readings = readings(metric.data);
                let longest = if matches!(readings.first(), Some((_, Ok(Reading::Distribution { .. })))) {
                    MAX_NAME_CHARS - DISTRIBUTION_SUFFIXES.iter().map(|s| s.len()).max().unwrap_or(0)
                } else {
                    MAX_NAME_CHARS
                };
                let metric_problem = checked_text("name", &metric.name, longest, false)
                    .and_then(|_| checked_text("service", &service, MAX_NAME_CHARS, false))
                    .err()
                    .map(|(field, message)| format!("{field} {message}"));
                if !has_data {
                    converted.refused.push(format!(
                        "{path}: has no gauge, sum, histogram, exponentialHistogram or summary"
                    ));
                }
                for (i, (common, reading)) in readings.into_iter().enumerate() {
                    if common.flags & NO_RECORDED_VALUE != 0 {
                        continue;
                    }
                    let checked = match &metric_problem {
                        Some(problem) => Err(problem.clone()),
                        None => {
                            reading.and_then(|reading| point(&service, &metric.name, common, reading, to_ms, window))
                        }
                    };
                    match checked {
                        Ok(point) => converted.points.push(point),
                        Err(reason) => converted.refused.push(format!("{path}.dataPoints[{i}]: {reason}")),
                    }
                }
            }
        }
    }
    converted
}

/// The point, its times and labels checked.
fn point(
    service: &str,
    name: &str,
    common: Common,
    reading: Reading,
    to_ms: Option<f64>,
    window: TimeWindow,
) -> Result<Point, String> {
    let ts = micros(time(common.time).ok_or("timeUnixNano is required")?);
    if ts < window.oldest {
        return Err(format!(
            "timeUnixNano is older than the {}-day raw retention",
            window.retention_days
        ));
    }
    if ts > window.newest {
        return Err("timeUnixNano is too far in the future".into());
    }
    let start = time(common.start).map(micros);
    if start.is_some_and(|start| start > ts) {
        return Err("startTimeUnixNano is after timeUnixNano".into());
    }
    let labels = labels(common.attributes)?;
    let requests = to_ms
        .filter(|_| matches!(reading, Reading::Distribution { .. }))
        .map(|to_ms| request_series(&labels, to_ms));
    Ok(Point {
        series: Series {
            service: service.to_string(),
            name: name.to_string(),
            labels,
        },
        start,
        ts,
        reading,
        requests,
    })
}

/// A time as Postgres keeps it (microseconds), so a point compares equal
/// with itself once stored (`otlp_cumulative`).
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}

/// Attributes as labels: text values (others as JSON), checked.
fn labels(attributes: Vec<KeyValue>) -> Result<BTreeMap<String, String>, String> {
    if attributes.len() > MAX_LABELS {
        return Err(format!("attributes: at most {MAX_LABELS} per point"));
    }
    let mut labels = BTreeMap::new();
    for attribute in attributes {
        let value = match attribute.value.and_then(|value| value.value).map(to_json) {
            Some(Value::String(text)) => text,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let (key, value) = checked_label(&attribute.key, &value).map_err(|(field, message)| {
            let field = field.replacen("labels", "attributes", 1);
            format!("{field} {message} (at most {MAX_LABEL_CHARS} characters)")
        })?;
        labels.insert(key, value);
    }
    Ok(labels)
}

fn request_series(labels: &BTreeMap<String, String>, to_ms: f64) -> RequestSeries {
    let given = |key: &str| {
        labels
            .get(key)
            .map(String::as_str)
            .filter(|text| !text.trim().is_empty())
    };
    let endpoint = given("http.route")
        .or_else(|| given("http.request.method"))
        .unwrap_or("HTTP");
    let error = match given("http.response.status_code").and_then(|status| status.parse::<i64>().ok()) {
        Some(status) => status >= 500,
        None => given("error.type").is_some(),
    };
    RequestSeries {
        endpoint: endpoint.to_string(),
        error,
        to_ms,
    }
}
