//! `POST /v1/traces`: OTLP/HTTP trace export (an OpenTelemetry SDK's or
//! Collector's `otlphttp` exporter pointed at Opsdeck works unchanged),
//! with a key of the `ingest` scope.
//!
//! Spans are stored for the trace view, and server and consumer spans are
//! recorded as request events of their service (`convert` has the rules),
//! so a traced service appears on the Overview and the Performance page
//! and its alert rules and SLOs work unchanged (unless the service sends
//! `http.server.request.duration` histograms, which count its requests
//! instead: `app::metrics::ssr::points`). A span that fails a check
//! is refused alone (counted and named in the partial success); everything
//! accepted (spans and request events) is stored in one transaction and
//! answered only once committed. An `Idempotency-Key` makes a retry safe.

pub mod convert;

use std::collections::BTreeSet;

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::metrics::IngestBatch;
use app::metrics::ingest::{MAX_RECORDS, TimeWindow};
use app::metrics::ssr::points::store::counted_by_histograms;
use app::state::AppState;
use app::traces::ssr::store::{self, Stored};

use super::accept::{Accepted, Export, accept};
use super::{counted, encoded, not_stored, refused_message};
use crate::http::live::Publisher;
use crate::prometheus::COUNTERS;
use convert::{Converted, Windows, convert};

pub async fn export(
    State(state): State<AppState>,
    Extension(publisher): Extension<Publisher>,
    request: Request,
) -> Response {
    counted(handle(state, publisher, request).await)
}

async fn handle(state: AppState, publisher: Publisher, request: Request) -> Response {
    let limit = state.ingest.max_body_bytes;
    let accepted = accept::<ExportTraceServiceRequest>(&state, request, Scope::Ingest, Batches::Traces, limit).await;
    let Accepted {
        key,
        encoding,
        received,
        export,
    } = match accepted {
        Ok(accepted) => accepted,
        Err(response) => return response,
    };
    let now = Utc::now();
    let windows = Windows {
        spans: TimeWindow::around(now, state.span_retention_days()),
        requests: TimeWindow::around(now, state.raw_retention_days()),
    };
    let Converted {
        spans,
        mut requests,
        refused: bad,
    } = convert(export, windows);
    // A service sending request duration histograms is counted from those.
    let services: BTreeSet<&str> = requests.iter().map(|event| event.service.as_str()).collect();
    let counted = match counted_by_histograms(&state.db, &services.into_iter().collect::<Vec<_>>()).await {
        Ok(counted) => counted,
        Err(error) => {
            tracing::error!(%error, "could not read which services histograms count");
            return not_stored(encoding);
        }
    };
    requests.retain(|event| !counted.contains(&event.service));
    let batch = IngestBatch {
        requests,
        samples: Vec::new(),
    };
    match store::store(&state.db, received.claim(key.id), &spans, &batch).await {
        Ok(Stored::Committed { requests, .. }) => {
            COUNTERS.ingest_answer(StatusCode::OK, requests);
            if requests > 0 {
                // As the ingest API does: this instance's Overview at once, the live view off the request path.
                state.overview.services.touch();
                let state = state.clone();
                tokio::spawn(async move { publisher.publish(&state, &batch).await });
            }
            encoded(&response(&bad), encoding)
        }
        Ok(Stored::Duplicate { .. }) => encoded(&ExportTraceServiceResponse::default(), encoding),
        Err(error) => {
            tracing::error!(%error, api_key = key.id, "could not store OTLP spans");
            not_stored(encoding)
        }
    }
}

impl Export for ExportTraceServiceRequest {
    const ROOT_FIELD: &'static str = "resourceSpans";
    const RECORDS: &'static str = "spans";
    const MAX_RECORDS: usize = MAX_RECORDS;

    fn records(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|resource| &resource.scope_spans)
            .map(|scope| scope.spans.len())
            .sum()
    }
}

/// The answer: a partial success naming the refused spans, if any.
fn response(refused: &[String]) -> ExportTraceServiceResponse {
    if refused.is_empty() {
        return ExportTraceServiceResponse::default();
    }
    ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: i64::try_from(refused.len()).unwrap_or(i64::MAX),
            error_message: refused_message("spans", refused),
        }),
    }
}

#[cfg(test)]
mod tests;
