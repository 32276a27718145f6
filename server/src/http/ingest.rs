//! `POST /api/v1/ingest`: services send request events and metric samples
//! with an API key; `GET /api/v1/openapi.json` describes it (and the
//! deployments API, `crate::http::deployments`).
//!
//! A batch is answered `202` only once it is committed in Postgres, so an
//! acknowledged record is never lost; an `Idempotency-Key` makes a retry safe
//! (the key's row is claimed in the batch's own transaction). Checks run
//! cheapest first: bearer key (401/403), rate limit (429), content type
//! (415), body size (413), then the records (400, naming record and field).
//!
//! Batches are data, not changes to Opsdeck, so they are not audited one by
//! one (an emitter sends thousands an hour); refused keys are.
//!
//! After the commit, the batch's effect on the live view is published
//! (`crate::http::live`), off the request path: the answer does not wait for it
//! and a failure there never fails the ingest.

pub(crate) mod bearer;
pub(crate) mod idempotency;
pub(crate) mod received;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use app::api_keys::Scope;
use app::ingest_batches::{self, Batches, Claim};
use app::metrics::IngestBatch;
use app::metrics::ingest::{BodyFormat, TimeWindow, parse_body};
use app::state::AppState;

use super::json_answer as answer;

/// A 400 that concerns the request, not one record.
fn bad_request(message: &str, field: Option<&str>) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({ "error": message, "record": null, "field": field }),
    )
}

pub async fn ingest(
    State(state): State<AppState>,
    Extension(publisher): Extension<crate::http::live::Publisher>,
    request: Request,
) -> Response {
    let response = handle(state, publisher, request).await;
    if !response.status().is_success() {
        crate::prometheus::COUNTERS.ingest_answer(response.status(), 0);
    }
    response
}

async fn handle(state: AppState, publisher: crate::http::live::Publisher, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let key = match bearer::authenticate(&state, &parts, Scope::Ingest).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    if let Err(response) = bearer::within_rate(&state, key.id).await {
        return response;
    }
    let Some(format) = body_format(&parts.headers) else {
        let message = "send Content-Type: application/json or application/x-ndjson";
        return answer(StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({ "error": message }));
    };
    let idempotency_key = match idempotency::idempotency_key(&parts.headers, Batches::Metrics) {
        Ok(key) => key,
        Err(message) => return bad_request(&message, Some("Idempotency-Key")),
    };
    // The route's DefaultBodyLimit (OPSDECK_INGEST_MAX_BYTES) applies here.
    let bytes = match Bytes::from_request(Request::from_parts(parts, body), &state).await {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "the body is larger than {} bytes; send smaller batches",
                state.ingest.max_body_bytes
            );
            return answer(StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": message }));
        }
        Err(rejection) => return bad_request(&format!("could not read the body: {}", rejection.body_text()), None),
    };
    let batch = match parse_body(
        &bytes,
        format,
        TimeWindow::around(Utc::now(), state.raw_retention_days()),
    ) {
        Ok(batch) => batch,
        Err(error) => return answer(StatusCode::BAD_REQUEST, json!(error)),
    };
    match store(&state, key.id, idempotency_key.as_deref(), &batch).await {
        Ok(Stored { accepted, duplicate }) => {
            if !duplicate {
                crate::prometheus::COUNTERS.ingest_answer(StatusCode::ACCEPTED, accepted);
                // This instance's Overview shows the batch from its next request (others when the stream says so).
                state.overview.services.touch();
                // Best-effort and off the request path: the batch is stored whatever happens there.
                let state = state.clone();
                tokio::spawn(async move { publisher.publish(&state, &batch).await });
            }
            answer(
                StatusCode::ACCEPTED,
                json!({ "accepted": accepted, "duplicate": duplicate }),
            )
        }
        Err(error) => {
            tracing::error!(%error, api_key = key.id, records = batch.len(), "could not store an ingest batch");
            let message =
                "the batch could not be stored and nothing of it was kept; retry it (with the same Idempotency-Key)";
            let mut response = answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": message }));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

/// JSON or NDJSON by `Content-Type` (parameters such as charset ignored).
fn body_format(headers: &HeaderMap) -> Option<BodyFormat> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(BodyFormat::Json),
        "application/x-ndjson" => Some(BodyFormat::Ndjson),
        _ => None,
    }
}

struct Stored {
    accepted: usize,
    duplicate: bool,
}

/// Stores the batch in one transaction, claiming its idempotency key first
/// (`app::ingest_batches`), so a batch is stored at most once.
async fn store(
    state: &AppState,
    key_id: i64,
    idempotency_key: Option<&str>,
    batch: &IngestBatch,
) -> sqlx::Result<Stored> {
    let mut tx = state.db.begin().await?;
    if let Some(idempotency_key) = idempotency_key {
        let claim = Claim {
            batches: Batches::Metrics,
            api_key_id: key_id,
            idempotency_key,
        };
        if let Some(accepted) = ingest_batches::claim(&mut tx, claim, batch.len()).await? {
            tx.rollback().await?;
            return Ok(Stored {
                accepted,
                duplicate: true,
            });
        }
    }
    if !batch.is_empty() {
        app::metrics::ssr::store::store_batch(&mut tx, batch).await?;
    }
    tx.commit().await?;
    Ok(Stored {
        accepted: batch.len(),
        duplicate: false,
    })
}

/// The OpenAPI 3.1 document of the ingest and deployments APIs (`docs/openapi.json`).
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        OPENAPI,
    )
        .into_response()
}

pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::test_headers::headers;

    #[test]
    fn content_types_choose_the_format() {
        assert_eq!(
            body_format(&headers(&[("content-type", "application/json; charset=utf-8")])),
            Some(BodyFormat::Json)
        );
        assert_eq!(
            body_format(&headers(&[("content-type", "Application/X-NDJSON")])),
            Some(BodyFormat::Ndjson)
        );
        assert_eq!(body_format(&headers(&[("content-type", "application/xml")])), None);
        assert_eq!(body_format(&headers(&[])), None);
    }

    #[test]
    fn the_openapi_document_is_json() {
        let document: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
        assert_eq!(document["openapi"], "3.1.0");
    }
}
