//! What the OTLP and NDJSON doors read once they know the body's format:
//! whether it is gzipped, its `Idempotency-Key`, and the body itself
//! within the door's limit.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::request::Parts;

use app::ingest_batches::{Batches, Claim};
use app::state::AppState;

use crate::http::ingest::idempotency::idempotency_key;
use crate::http::otlp::{Refusal, gzipped, read_body};

/// A request's body and how to store it once.
pub struct Received {
    pub gzip: bool,
    pub batches: Batches,
    pub idempotency_key: Option<String>,
    pub body: Bytes,
}

impl Received {
    /// The idempotency claim a batch sent with `api_key_id` makes, if any.
    pub fn claim(&self, api_key_id: i64) -> Option<Claim<'_>> {
        self.idempotency_key.as_deref().map(|idempotency_key| Claim {
            batches: self.batches,
            api_key_id,
            idempotency_key,
        })
    }
}

/// Reads what [`Received`] holds, refusing a bad encoding or key (400) and
/// a body over `limit` bytes (413).
pub async fn receive(
    state: &AppState,
    parts: Parts,
    body: Body,
    batches: Batches,
    limit: usize,
) -> Result<Received, Refusal> {
    let gzip = gzipped(&parts.headers)?;
    let idempotency_key =
        idempotency_key(&parts.headers, batches).map_err(|message| Refusal::new(StatusCode::BAD_REQUEST, message))?;
    let request = Request::from_parts(parts, body);
    let body = read_body(state, request, limit).await?;
    Ok(Received {
        gzip,
        batches,
        idempotency_key,
        body,
    })
}
