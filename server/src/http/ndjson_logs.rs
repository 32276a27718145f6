//! `POST /api/v1/logs`: log lines as NDJSON (`app::logs::ingest::ndjson`
//! has the format), for senders without an OpenTelemetry SDK.
//!
//! Checks run cheapest first, as on the metrics ingest: bearer key with
//! scope `logs` (401/403), rate limit (429), content type (415),
//! `Idempotency-Key` (400), body size (413, gzip counted decompressed),
//! then the lines (400 naming the line number and field; nothing stored).
//! `202 {"accepted": n, "duplicate": false}` once committed.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::logs::ingest::ndjson::{count_lines, parse};
use app::logs::ingest::{MAX_LINES, TimeWindow};
use app::state::AppState;

use super::json_answer as answer;
use crate::http::ingest::{bearer, received};
use crate::http::log_lines::{self, NOT_STORED};
use crate::http::otlp::{Refusal, decompress};
use crate::prometheus::COUNTERS;

pub async fn ingest(State(state): State<AppState>, request: Request) -> Response {
    let response = handle(state, request).await;
    if !response.status().is_success() {
        COUNTERS.ingest_answer(response.status(), 0);
    }
    response
}

fn refused(refusal: Refusal) -> Response {
    answer(
        refusal.status,
        json!({ "error": refusal.message, "line": null, "field": null }),
    )
}

async fn handle(state: AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let key = match bearer::authenticate(&state, &parts, Scope::Logs).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    if let Err(response) = bearer::within_rate(&state, key.id).await {
        return response;
    }
    if !is_ndjson(&parts.headers) {
        return refused(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send Content-Type: application/x-ndjson",
        ));
    }
    let received = match received::receive(&state, parts, body, Batches::Logs, state.logs.max_body_bytes).await {
        Ok(received) => received,
        Err(refusal) => return refused(refusal),
    };
    let claim = received.claim(key.id);
    let (body, gzip, limit) = (received.body.clone(), received.gzip, state.logs.max_body_bytes);
    let window = TimeWindow::around(Utc::now(), state.log_retention_days());
    // Decompressing and parsing up to OPSDECK_LOGS_MAX_BYTES is CPU work: off the async threads.
    let parsed = tokio::task::spawn_blocking(move || {
        // Boxed: a refusal is a whole Response.
        let plain = decompress(body, gzip, limit).map_err(|refusal| Box::new(refused(refusal)))?;
        let count = count_lines(&plain);
        if count > MAX_LINES {
            return Err(Box::new(refused(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{count} lines in one request; at most {MAX_LINES}, send smaller batches"),
            ))));
        }
        parse(&plain, window).map_err(|error| Box::new(answer(StatusCode::BAD_REQUEST, json!(error))))
    })
    .await;
    let lines = match parsed {
        Ok(Ok(lines)) => lines,
        Ok(Err(response)) => return *response,
        Err(_) => return refused(Refusal::new(StatusCode::SERVICE_UNAVAILABLE, NOT_STORED)),
    };
    match log_lines::store_and_publish(&state, claim, lines).await {
        Ok(accepted) => answer(
            StatusCode::ACCEPTED,
            json!({ "accepted": accepted.lines, "duplicate": accepted.duplicate }),
        ),
        Err(error) => {
            tracing::error!(%error, api_key = key.id, "could not store NDJSON log lines");
            let mut response = refused(Refusal::new(StatusCode::SERVICE_UNAVAILABLE, NOT_STORED));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

/// `application/x-ndjson` (also `application/jsonl`, `application/json-seq`
/// is not: its records are framed differently).
fn is_ndjson(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    ["application/x-ndjson", "application/ndjson", "application/jsonl"]
        .iter()
        .any(|known| essence.eq_ignore_ascii_case(known))
}
