//! Sentry SDKs' doors: `POST /api/<project>/envelope/` (envelopes) and the
//! legacy `POST /api/<project>/store/` (one event's JSON). Both check the
//! DSN's key (scope `errors`, bound to the path's project) and its rate,
//! read the body within `OPSDECK_ERROR_MAX_ENVELOPE_BYTES` — plain, gzip,
//! deflate or brotli, decompressed with a hard bound — then, on the
//! blocking pool, frame the envelope and prepare each `event` item
//! (`app::errors::ssr::event`: scrubbed, grouped); other item types
//! (sessions, client reports, transactions, attachments…) are accepted
//! and dropped. Everything is stored in one transaction and answered
//! `200 {"id": <event id>, "issue": <issue id>}` only after the commit.
//!
//! Refusals are JSON `{"error": …}`: 400 naming what is malformed, 401/403
//! for the key, 413 past a limit, 415 for an unknown encoding, 429 with
//! `Retry-After` and `X-Sentry-Rate-Limits` past the key's rate.
//!
//! Beside them: `json`, Opsdeck's own JSON door (`POST /api/v1/errors`),
//! which prepares and stores its events through the same functions here;
//! `cors`, which lets browser SDKs post to the two Sentry doors.

pub mod cors;
pub mod json;
mod sentry_auth;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use app::api_keys::Scope;
use app::api_keys::ssr::secret::KeyRefusal;
use app::errors::settings::ErrorSettings;
use app::errors::ssr::envelope;
use app::errors::ssr::event::{PreparedEvent, prepare};
use app::errors::ssr::store;
use app::state::AppState;

use crate::http::body_encoding::{BodyEncoding, Undecodable, decompress};
use crate::http::ingest::bearer;
use crate::http::json_answer;
use crate::http::otlp::{Refusal, read_body, too_large};

/// How the body is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Envelope,
    /// The legacy store endpoint: the body is one event.
    Event,
}

pub async fn envelope(State(state): State<AppState>, Path(project): Path<String>, request: Request) -> Response {
    receive(state, &project, request, Format::Envelope).await
}

pub async fn store_event(State(state): State<AppState>, Path(project): Path<String>, request: Request) -> Response {
    receive(state, &project, request, Format::Event).await
}

fn refused(refusal: Refusal) -> Response {
    json_answer(refusal.status, json!({ "error": refusal.message }))
}

async fn receive(state: AppState, project: &str, request: Request, format: Format) -> Response {
    let (parts, body) = request.into_parts();
    let presented = sentry_auth::sentry_key(&parts);
    let key = match bearer::authenticate_presented(&state, &parts, presented, Scope::Errors).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    let project_id = project.parse::<i32>().ok();
    if project_id.is_none() || key.error_project_id != project_id {
        return bearer::refuse(&state, &parts, KeyRefusal::WrongProject, None, Scope::Errors).await;
    }
    if let Err(mut response) = bearer::within_rate(&state, key.id).await {
        if let Some(seconds) = response.headers().get(header::RETRY_AFTER).cloned()
            && let Ok(limits) = HeaderValue::from_str(&format!("{}::key", seconds.to_str().unwrap_or("60")))
        {
            response.headers_mut().insert("x-sentry-rate-limits", limits);
        }
        return response;
    }
    let Some(encoding) = BodyEncoding::of(&parts.headers) else {
        let message = "Content-Encoding must be gzip, deflate, br or absent";
        return refused(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
    };
    let settings = state.errors.clone();
    let request = Request::from_parts(parts, body);
    let body = match read_body(&state, request, settings.max_envelope_bytes).await {
        Ok(body) => body,
        Err(refusal) => return refused(refusal),
    };
    let prepared = tokio::task::spawn_blocking(move || prepare_body(body, encoding, format, &settings)).await;
    let (events, envelope_id) = match prepared {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(refusal)) => return refused(refusal),
        Err(_) => return refused(Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "could not read the body")),
    };
    let answer_id = events.first().map(|event| event.event_id.clone()).or(envelope_id);
    let sender = store::Sender::Key {
        id: key.id,
        batch: None,
    };
    match stored(&state, sender, project_id.unwrap_or_default(), events).await {
        Ok(stored) => {
            // Beside Sentry's `id`: the issue, for `opsdeck errors send-test` to link to.
            let issue = stored.issues.iter().find(|(id, _)| Some(id) == answer_id.as_ref());
            json_answer(
                StatusCode::OK,
                json!({ "id": answer_id, "issue": issue.map(|(_, issue)| issue) }),
            )
        }
        Err(response) => response,
    }
}

/// Stores `events` for the project `project_id` (one transaction), or the
/// answer to send: 404 for no such project, 503 when nothing could be stored.
async fn stored(
    state: &AppState,
    sender: store::Sender<'_>,
    project_id: i32,
    events: Vec<PreparedEvent>,
) -> Result<store::Stored, Response> {
    let stored = async {
        let mut conn = state.db.acquire().await?;
        let Some(project) = store::project(&mut conn, project_id).await? else {
            return Ok(None);
        };
        drop(conn);
        store::store_from(&state.db, &state.audit_key, sender, &project, events)
            .await
            .map(Some)
    }
    .await;
    match stored {
        Ok(Some(stored)) => {
            // After the commit; best-effort: a page that misses one shows it on its next load.
            crate::http::live::publish_issue_updates(&state.redis, &stored.touched).await;
            Ok(stored)
        }
        Ok(None) => Err(refused(Refusal::new(StatusCode::NOT_FOUND, "no such project"))),
        Err(error) => {
            tracing::error!(%error, "could not store error events");
            let mut response = refused(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the events could not be stored and nothing of them was kept; retry",
            ));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(response)
        }
    }
}

/// The body decompressed, within `limit` bytes (413 past it).
fn plain_body(body: Bytes, encoding: BodyEncoding, limit: usize) -> Result<Bytes, Refusal> {
    decompress(body, encoding, limit).map_err(|problem| match problem {
        Undecodable::TooLarge => too_large(limit),
        Undecodable::Invalid(error) => Refusal::bad(format!("the body is not valid {} ({error})", encoding.name())),
    })
}

/// An event larger than the limit (`OPSDECK_ERROR_MAX_EVENT_BYTES`).
fn event_too_large(number: usize, limit: usize) -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("event {number} is larger than {limit} bytes; send smaller events"),
    )
}

/// Decompresses, frames and prepares the events (CPU work: on the blocking
/// pool). Returns them with the envelope's own `event_id`.
fn prepare_body(
    body: Bytes,
    encoding: BodyEncoding,
    format: Format,
    settings: &ErrorSettings,
) -> Result<(Vec<PreparedEvent>, Option<String>), Refusal> {
    let plain = plain_body(body, encoding, settings.max_envelope_bytes)?;
    let now = chrono::Utc::now();
    let one = |payload: &[u8], number: usize, fallback: Option<&str>| {
        if payload.len() > settings.max_event_bytes {
            return Err(event_too_large(number, settings.max_event_bytes));
        }
        prepare(
            payload,
            fallback,
            now,
            settings.retention_days,
            &settings.extra_scrub_keys,
        )
        .map_err(|problem| Refusal::bad(format!("event {number}: {problem}")))
    };
    match format {
        Format::Event => Ok((vec![one(&plain, 1, None)?], None)),
        Format::Envelope => {
            let parsed = envelope::parse(&plain).map_err(Refusal::bad)?;
            let fallback = parsed.event_id.as_deref();
            let events = parsed
                .items
                .iter()
                .filter(|item| item.kind == "event")
                .enumerate()
                .map(|(n, item)| one(item.payload, n + 1, fallback))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((events, parsed.event_id.clone()))
        }
    }
}
