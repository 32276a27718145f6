//! Sentry SDKs' doors: `POST /api/<project>/envelope/` (envelopes) and the
//! legacy `POST /api/<project>/store/` (one event's JSON). Both check the
//! DSN's key (scope `errors`, bound to the path's project) and its rate,
//! read the body within `OPSDECK_ERROR_MAX_ENVELOPE_BYTES` — plain, gzip,
//! deflate or brotli, decompressed with a hard bound — then, on the
//! blocking pool, frame the envelope and prepare each `event` item
//! (`app::errors::ssr::event`: scrubbed, grouped); other item types
//! (sessions, client reports, transactions, attachments…) are accepted
//! and dropped. Everything is stored in one transaction (shared with the
//! envelopes arriving at the same time: `group`) and answered
//! `200 {"id": <event id>, "issue": <issue id>}` only after the commit.
//! The key's look-up is kept for a few seconds (`keys`; revocation still
//! takes effect at once, checked by the storing statement).
//!
//! Refusals are JSON `{"error": …}`: 400 naming what is malformed, 401/403
//! for the key, 413 past a limit, 415 for an unknown encoding, 429 with
//! `Retry-After` and `X-Sentry-Rate-Limits` past the key's rate.
//!
//! Beside them: `json`, Opsdeck's own JSON door (`POST /api/v1/errors`),
//! which prepares and stores its events through the same functions here;
//! `cors`, which lets browser SDKs post to the two Sentry doors.

pub mod cors;
pub mod group;
pub mod json;
pub mod keys;
mod sentry_auth;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use app::api_keys::Scope;
use app::api_keys::ssr::secret::KeyRefusal;
use app::errors::settings::ErrorSettings;
use app::errors::ssr::envelope;
use app::errors::ssr::event::{PreparedEvent, prepare};
use app::errors::ssr::store::{self, StoreError};
use app::state::AppState;

use group::Writer;
use keys::KnownKey;

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

pub async fn envelope(
    State(state): State<AppState>,
    Extension(writer): Extension<Writer>,
    Path(project): Path<String>,
    request: Request,
) -> Response {
    receive(state, writer, &project, request, Format::Envelope).await
}

pub async fn store_event(
    State(state): State<AppState>,
    Extension(writer): Extension<Writer>,
    Path(project): Path<String>,
    request: Request,
) -> Response {
    receive(state, writer, &project, request, Format::Event).await
}

fn refused(refusal: Refusal) -> Response {
    json_answer(refusal.status, json!({ "error": refusal.message }))
}

async fn receive(state: AppState, writer: Writer, project: &str, request: Request, format: Format) -> Response {
    let (parts, body) = request.into_parts();
    let presented = sentry_auth::sentry_key(&parts);
    // Any project the key is bound to never matches a path that is not a number.
    let project_id = Some(project.parse::<i32>().unwrap_or(-1));
    let key = match known_key(&state, &writer, &parts, presented.as_deref(), project_id).await {
        Ok(key) => key,
        Err(response) => return response,
    };
    if let Err(mut response) = bearer::within_rate(&state, key.0.id).await {
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
    let settings = state.error_settings();
    let request = Request::from_parts(parts.clone(), body);
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
    let door = Door {
        state: &state,
        writer: &writer,
        parts: &parts,
        presented: presented.as_deref(),
    };
    match door.stored(&key, None, events).await {
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

/// The key `presented` names, checked for the `errors` scope and bound to
/// `project_id` (any project: `None`), with its project: kept for a few
/// seconds (`keys`), else looked up. `Err`: the refusal to answer.
async fn known_key(
    state: &AppState,
    writer: &Writer,
    parts: &Parts,
    presented: Option<&str>,
    project_id: Option<i32>,
) -> Result<(KnownKey, bool), Response> {
    let bound = |key: &KnownKey| project_id.is_none_or(|id| id == key.project.id);
    if let Some(key) = presented.and_then(|presented| writer.keys.get(presented)).filter(bound) {
        return Ok((key, true));
    }
    let key = bearer::authenticate_presented(state, parts, presented.map(str::to_string), Scope::Errors).await?;
    let Some(id) = key
        .error_project_id
        .filter(|id| project_id.is_none_or(|wanted| wanted == *id))
    else {
        return Err(bearer::refuse(state, parts, KeyRefusal::WrongProject, None, Scope::Errors).await);
    };
    let project = async {
        let mut conn = state.db.acquire().await?;
        store::project(&mut conn, id).await
    }
    .await;
    let project = match project {
        Ok(Some(project)) => project,
        Ok(None) => return Err(refused(Refusal::new(StatusCode::NOT_FOUND, "no such project"))),
        Err(error) => return Err(unavailable(&error)),
    };
    let known = KnownKey {
        id: key.id,
        project,
        expires_at: key.expires_at,
    };
    if let Some(presented) = presented {
        writer.keys.put(presented, known.clone());
    }
    Ok((known, false))
}

/// 503 with `Retry-After`: nothing was stored.
fn unavailable(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "could not store error events");
    let mut response = refused(Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the events could not be stored and nothing of them was kept; retry",
    ));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// A request at an error door, its key checked.
struct Door<'a> {
    state: &'a AppState,
    writer: &'a Writer,
    parts: &'a Parts,
    presented: Option<&'a str>,
}

impl Door<'_> {
    /// Stores `events` of `key` (committed with the envelopes arriving at
    /// the same time, unless the batch has an `Idempotency-Key`), or the
    /// answer to send: the key's refusal when it was revoked since it was
    /// kept, 503 when nothing could be stored.
    async fn stored(
        &self,
        (key, cached): &(KnownKey, bool),
        batch: Option<&str>,
        events: Vec<PreparedEvent>,
    ) -> Result<store::Stored, Response> {
        if events.is_empty() {
            // Nothing to store, so no statement checks the key: a kept one is looked up again.
            if *cached {
                self.recheck().await?;
            }
            return Ok(store::Stored::default());
        }
        let state = self.state;
        let stored = match batch {
            None => self.writer.store(state, key.id, key.project.clone(), events).await,
            Some(_) => {
                let sender = store::Sender::Key { id: key.id, batch };
                let stored = store::store_from(&state.db, &state.audit_key, sender, &key.project, &events).await;
                if let Ok(stored) = &stored {
                    crate::http::live::publish_issue_updates(&state.redis, &stored.touched).await;
                }
                stored
            }
        };
        match stored {
            Ok(stored) => Ok(stored),
            Err(StoreError::KeyRefused) => {
                self.recheck().await?;
                Err(unavailable(&"the key changed while its events were stored"))
            }
            Err(StoreError::Database(error)) => Err(unavailable(&error)),
        }
    }

    /// The key looked up again, not kept: `Err` with its refusal.
    async fn recheck(&self) -> Result<(), Response> {
        if let Some(presented) = self.presented {
            self.writer.keys.forget(presented);
        }
        let project = None;
        known_key(self.state, self.writer, self.parts, self.presented, project)
            .await
            .map(drop)
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
