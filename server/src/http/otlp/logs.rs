//! `POST /v1/logs`: OTLP/HTTP log export (an OpenTelemetry SDK's or
//! Collector's `otlphttp` exporter pointed at Opsdeck works unchanged).
//!
//! Each log record becomes a line: resource attribute `service.name` is the
//! service (`unknown_service` when missing, as the SDKs say), `host.name`
//! (else `service.instance.id`) the host; severity number and text, trace
//! and span ids (lowercase hex) and the timestamp (the observed time when
//! the record has none, the time of receipt when neither) are kept; the
//! body is its string, or any other value as JSON; resource, scope and
//! record attributes are merged (the record's win) into one flat object.
//!
//! A record that fails a check (time outside the retention window or too
//! far ahead, body or attributes over the limits) is refused alone: the
//! others are stored and the answer's partial success counts the refused
//! ones and names them. Everything accepted is stored in one transaction,
//! and answered only once committed.

use axum::extract::{Request, State};
use axum::response::Response;
use chrono::Utc;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value;
use serde_json::Value;

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::logs::NewLogLine;
use app::logs::ingest::{Field, MAX_LINES, TimeWindow, check};
use app::state::AppState;

use super::accept::{Accepted, Export, accept};
use super::attributes::{of_resource, put, service_of, text_of, time, to_json, with_scope};
use super::{counted, encoded, not_stored, refused_message};
use crate::http::log_lines;
use crate::prometheus::COUNTERS;

pub async fn export(State(state): State<AppState>, request: Request) -> Response {
    counted(handle(state, request).await)
}

async fn handle(state: AppState, request: Request) -> Response {
    let limit = state.logs.max_body_bytes;
    let accepted = accept::<ExportLogsServiceRequest>(&state, request, Scope::Logs, Batches::Logs, limit).await;
    let Accepted {
        key,
        encoding,
        received,
        export,
    } = match accepted {
        Ok(accepted) => accepted,
        Err(response) => return response,
    };
    let window = TimeWindow::around(Utc::now(), state.log_retention_days());
    let Converted { lines, refused: bad } = convert(export, window);
    match log_lines::store_and_publish(&state, received.claim(key.id), lines).await {
        Ok(_) => {
            COUNTERS.log_records_rejected(bad.len());
            encoded(&response(&bad), encoding)
        }
        Err(error) => {
            tracing::error!(%error, api_key = key.id, "could not store OTLP log records");
            not_stored(encoding)
        }
    }
}

impl Export for ExportLogsServiceRequest {
    const ROOT_FIELD: &'static str = "resourceLogs";
    const RECORDS: &'static str = "log records";
    const MAX_RECORDS: usize = MAX_LINES;

    fn records(&self) -> usize {
        self.resource_logs
            .iter()
            .flat_map(|resource| &resource.scope_logs)
            .map(|scope| scope.log_records.len())
            .sum()
    }
}

/// The answer: a partial success naming the refused records, if any.
fn response(refused: &[String]) -> ExportLogsServiceResponse {
    if refused.is_empty() {
        return ExportLogsServiceResponse::default();
    }
    ExportLogsServiceResponse {
        partial_success: Some(ExportLogsPartialSuccess {
            rejected_log_records: i64::try_from(refused.len()).unwrap_or(i64::MAX),
            error_message: refused_message("log records", refused),
        }),
    }
}

pub(crate) struct Converted {
    pub lines: Vec<NewLogLine>,
    /// One description per refused record.
    pub refused: Vec<String>,
}

/// Every record as a checked line, or the reason it was refused.
pub(crate) fn convert(export: ExportLogsServiceRequest, window: TimeWindow) -> Converted {
    let mut converted = Converted {
        lines: Vec::new(),
        refused: Vec::new(),
    };
    for (r, resource_logs) in export.resource_logs.into_iter().enumerate() {
        let resource = of_resource(resource_logs.resource);
        let service = service_of(&resource);
        let host = text_of(&resource, "host.name")
            .or_else(|| text_of(&resource, "service.instance.id"))
            .unwrap_or_default()
            .to_string();
        for (s, scope_logs) in resource_logs.scope_logs.into_iter().enumerate() {
            let scoped = with_scope(&resource, scope_logs.scope);
            for (i, record) in scope_logs.log_records.into_iter().enumerate() {
                let mut attributes = scoped.clone();
                for attribute in record.attributes {
                    put(&mut attributes, attribute);
                }
                if !record.event_name.is_empty() {
                    attributes.insert("event.name".into(), Value::String(record.event_name));
                }
                let observed = time(record.observed_time_unix_nano);
                let mut line = NewLogLine {
                    ts: time(record.time_unix_nano).or(observed).unwrap_or(window.now),
                    observed_ts: observed.unwrap_or(window.now),
                    service: service.clone(),
                    host: host.clone(),
                    severity: i16::try_from(record.severity_number).unwrap_or(-1),
                    severity_text: record.severity_text,
                    body: match record.body.and_then(|body| body.value) {
                        None => String::new(),
                        Some(any_value::Value::StringValue(text)) => text,
                        Some(other) => to_json(other).to_string(),
                    },
                    attributes: Value::Object(attributes),
                    trace_id: (!record.trace_id.is_empty()).then(|| hex::encode(&record.trace_id)),
                    span_id: (!record.span_id.is_empty()).then(|| hex::encode(&record.span_id)),
                };
                match check(&mut line, window) {
                    Ok(()) => converted.lines.push(line),
                    Err(problem) => converted.refused.push(format!(
                        "resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}].{} {}",
                        field_name(problem.field),
                        problem.message
                    )),
                }
            }
        }
    }
    converted
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Ts => "timeUnixNano",
        Field::Service => "resource.service.name",
        Field::Host => "resource.host.name",
        Field::Severity => "severityNumber",
        Field::SeverityText => "severityText",
        Field::Body => "body",
        Field::Attributes => "attributes",
        Field::TraceId => "traceId",
        Field::SpanId => "spanId",
    }
}

#[cfg(test)]
mod tests;
