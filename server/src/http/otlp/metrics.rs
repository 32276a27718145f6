//! `POST /v1/metrics`: OTLP/HTTP metrics export (an OpenTelemetry SDK's or
//! Collector's `otlphttp` exporter pointed at Opsdeck works unchanged),
//! with a key of the `ingest` scope.
//!
//! Data points become metric samples of their service, and
//! `http.server.request.duration` histograms its requests
//! (`app::metrics::ssr::points` has the rules; `convert` the checks). A
//! point that fails a check is refused alone (counted and named in the
//! partial success); everything accepted is stored in one transaction and
//! answered only once committed. An `Idempotency-Key` makes a retry safe.

pub mod convert;
pub mod readings;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::metrics::ingest::{MAX_RECORDS, TimeWindow};
use app::metrics::ssr::points::store::{self, Stored};
use app::state::AppState;

use super::accept::{Accepted, Export, accept};
use super::{counted, encoded, not_stored, refused_message};
use crate::prometheus::COUNTERS;
use convert::{Converted, convert};

pub async fn export(State(state): State<AppState>, request: Request) -> Response {
    counted(handle(state, request).await)
}

async fn handle(state: AppState, request: Request) -> Response {
    let limit = state.ingest.max_body_bytes;
    let accepted =
        accept::<ExportMetricsServiceRequest>(&state, request, Scope::Ingest, Batches::MetricPoints, limit).await;
    let Accepted {
        key,
        encoding,
        received,
        export,
    } = match accepted {
        Ok(accepted) => accepted,
        Err(response) => return response,
    };
    let window = TimeWindow::around(Utc::now(), state.raw_retention_days());
    let Converted { points, refused } = convert(export, window);
    match store::store(&state.db, received.claim(key.id), &points).await {
        Ok(Stored::Committed { samples, requests }) => {
            COUNTERS.ingest_answer(StatusCode::OK, samples);
            if requests > 0 {
                state.overview.services.touch();
            }
            encoded(&response(&refused), encoding)
        }
        Ok(Stored::Duplicate { .. }) => encoded(&ExportMetricsServiceResponse::default(), encoding),
        Err(error) => {
            tracing::error!(%error, api_key = key.id, "could not store OTLP metrics");
            not_stored(encoding)
        }
    }
}

impl Export for ExportMetricsServiceRequest {
    const ROOT_FIELD: &'static str = "resourceMetrics";
    const RECORDS: &'static str = "data points";
    const MAX_RECORDS: usize = MAX_RECORDS;

    fn records(&self) -> usize {
        self.resource_metrics
            .iter()
            .flat_map(|resource| &resource.scope_metrics)
            .flat_map(|scope| &scope.metrics)
            .map(|metric| match &metric.data {
                Some(Data::Gauge(gauge)) => gauge.data_points.len(),
                Some(Data::Sum(sum)) => sum.data_points.len(),
                Some(Data::Histogram(histogram)) => histogram.data_points.len(),
                Some(Data::ExponentialHistogram(histogram)) => histogram.data_points.len(),
                Some(Data::Summary(summary)) => summary.data_points.len(),
                None => 0,
            })
            .sum()
    }
}

/// The answer: a partial success naming the refused data points, if any.
fn response(refused: &[String]) -> ExportMetricsServiceResponse {
    if refused.is_empty() {
        return ExportMetricsServiceResponse::default();
    }
    ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: i64::try_from(refused.len()).unwrap_or(i64::MAX),
            error_message: refused_message("data points", refused),
        }),
    }
}

#[cfg(test)]
mod tests;
