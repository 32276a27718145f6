//! `POST /api/v1/errors`: error events in Opsdeck's own JSON
//! (`app::errors::ssr::json_event` has the format, docs/API.md describes
//! it), for services without a Sentry SDK. The key is a bearer key with
//! the `errors` scope, bound to one service's project.
//!
//! Checks run cheapest first, as on the other doors: key (401/403), rate
//! (429 with `Retry-After`), content type (415), `Idempotency-Key` (400),
//! encoding (415), body size (413, compressed bodies counted
//! decompressed), then each record (400 naming the record and field; 413
//! past the per-event size or the events per request). The events are
//! then prepared and stored exactly as an envelope's, in one transaction:
//! `200 {"ids": [...], "issues": [...], "duplicate": false}` after the
//! commit. A batch retried with the same `Idempotency-Key` stores nothing
//! and answers the same ids with `"duplicate": true`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use app::errors::settings::ErrorSettings;
use app::errors::ssr::event::{PreparedEvent, prepare_value};
use app::errors::ssr::json_event::{MAX_EVENTS, Problem, derived_event_id, records, to_sentry};
use app::ingest_batches::Batches;
use app::state::AppState;

use super::group::Writer;
use super::{Door, event_too_large, known_key, plain_body};
use crate::http::body_encoding::BodyEncoding;
use crate::http::ingest::bearer;
use crate::http::ingest::idempotency::idempotency_key;
use crate::http::json_answer;
use crate::http::otlp::{Refusal, read_body};

fn refused(refusal: Refusal) -> Response {
    json_answer(
        refusal.status,
        json!({ "error": refusal.message, "event": null, "field": null }),
    )
}

fn invalid(problem: &Problem) -> Response {
    json_answer(
        StatusCode::BAD_REQUEST,
        json!({ "error": problem.to_string(), "event": problem.record, "field": problem.field }),
    )
}

pub async fn ingest(State(state): State<AppState>, Extension(writer): Extension<Writer>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let presented = bearer::presented(&parts);
    let key = match known_key(&state, &writer, &parts, presented.as_deref(), None).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    if let Err(response) = bearer::within_rate(&state, key.0.id).await {
        return response;
    }
    if !is_json(&parts.headers) {
        let message = "send Content-Type: application/json";
        return refused(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
    }
    let batch = match idempotency_key(&parts.headers, Batches::Errors) {
        Ok(batch) => batch,
        Err(message) => return refused(Refusal::bad(message)),
    };
    let Some(encoding) = BodyEncoding::of(&parts.headers) else {
        let message = "Content-Encoding must be gzip, deflate, br or absent";
        return refused(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
    };
    let settings = state.error_settings();
    let body = match read_body(
        &state,
        Request::from_parts(parts.clone(), body),
        settings.max_envelope_bytes,
    )
    .await
    {
        Ok(body) => body,
        Err(refusal) => return refused(refusal),
    };
    let ids_from = batch.clone().map(|batch| (key.0.id, batch));
    let prepared = tokio::task::spawn_blocking(move || prepare(body, encoding, ids_from, &settings)).await;
    let events = match prepared {
        Ok(Ok(events)) => events,
        Ok(Err(response)) => return *response,
        Err(_) => return refused(Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "could not read the body")),
    };
    let ids: Vec<String> = events.iter().map(|event| event.event_id.clone()).collect();
    let door = Door {
        state: &state,
        writer: &writer,
        parts: &parts,
        presented: presented.as_deref(),
    };
    match door.stored(&key, batch.as_deref(), events).await {
        Ok(stored) => {
            let issues: Vec<Option<i64>> = ids
                .iter()
                .map(|id| {
                    stored
                        .issues
                        .iter()
                        .find(|(stored, _)| stored == id)
                        .map(|(_, issue)| *issue)
                })
                .collect();
            json_answer(
                StatusCode::OK,
                json!({ "ids": ids, "issues": issues, "duplicate": stored.repeated_batch }),
            )
        }
        Err(response) => response,
    }
}

/// Decompresses, checks and prepares the records (CPU work: on the
/// blocking pool). `ids_from` is the key and `Idempotency-Key` that give
/// events without an id a stable one. Boxed: a refusal is a whole Response.
fn prepare(
    body: Bytes,
    encoding: BodyEncoding,
    ids_from: Option<(i64, String)>,
    settings: &ErrorSettings,
) -> Result<Vec<PreparedEvent>, Box<Response>> {
    let plain = plain_body(body, encoding, settings.max_envelope_bytes).map_err(|r| Box::new(refused(r)))?;
    let records = records(&plain).map_err(|problem| Box::new(invalid(&problem)))?;
    if records.len() > MAX_EVENTS {
        return Err(Box::new(refused(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} events in one request; at most {MAX_EVENTS}, send smaller batches",
                records.len()
            ),
        ))));
    }
    let now = chrono::Utc::now();
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let number = index + 1;
            let mut event = to_sentry(record, number).map_err(|problem| Box::new(invalid(&problem)))?;
            if event.get("event_id").is_none()
                && let Some((key_id, batch)) = &ids_from
            {
                event["event_id"] = Value::String(derived_event_id(*key_id, batch, number));
            }
            if event.to_string().len() > settings.max_event_bytes {
                return Err(Box::new(refused(event_too_large(number, settings.max_event_bytes))));
            }
            prepare_value(event, None, now, settings.retention_days, &settings.extra_scrub_keys).map_err(|message| {
                Box::new(invalid(&Problem {
                    record: Some(number),
                    field: None,
                    message,
                }))
            })
        })
        .collect()
}

/// `application/json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim())
        .is_some_and(|essence| essence.eq_ignore_ascii_case("application/json"))
}
