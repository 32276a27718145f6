//! The checks every OTLP door makes before it reads the records (kept out
//! of `mod.rs`, which `ingest/received.rs` itself uses).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::state::AppState;

use super::{Encoding, Refusal, authorize, decode, encoding, refuse, too_many_records};
use crate::http::ingest::bearer;
use crate::http::ingest::received::{self, Received};

/// An OTLP export request a door takes: the JSON name of its one field,
/// what its records are called, how many one request may hold, and how
/// many it holds.
pub trait Export: prost::Message + DeserializeOwned + Default + Send + 'static {
    const ROOT_FIELD: &'static str;
    const RECORDS: &'static str;
    const MAX_RECORDS: usize;
    fn records(&self) -> usize;
}

/// What a door holds once a request passed the checks every signal shares.
pub struct Accepted<M> {
    pub key: bearer::Authenticated,
    pub encoding: Encoding,
    pub received: Received,
    pub export: M,
}

/// The checks every OTLP door makes, in order: the key with `scope` and its
/// rate limit, the content type, the gzip flag, the `Idempotency-Key` and
/// the body within `limit` (`received::receive`), then the decoded export
/// and its record count (413 above `M::MAX_RECORDS`). A refusal is the
/// answer to send.
pub async fn accept<M: Export>(
    state: &AppState,
    request: Request,
    scope: Scope,
    batches: Batches,
    limit: usize,
) -> Result<Accepted<M>, Response> {
    let (parts, body) = request.into_parts();
    let asked = encoding(&parts.headers);
    // Refusals before the content type is known are answered in JSON.
    let answer_in = asked.unwrap_or(Encoding::Json);
    let key = authorize(state, &parts, scope, answer_in).await?;
    let Some(encoding) = asked else {
        let message = "send Content-Type: application/x-protobuf or application/json";
        return Err(refuse(
            &Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message),
            answer_in,
            None,
        ));
    };
    let refused = |refusal: Refusal| refuse(&refusal, encoding, None);
    let received = received::receive(state, parts, body, batches, limit)
        .await
        .map_err(refused)?;
    let export: M = decode(received.body.clone(), received.gzip, encoding, limit, M::ROOT_FIELD)
        .await
        .map_err(refused)?;
    if let Some(refusal) = too_many_records(export.records(), M::MAX_RECORDS, M::RECORDS) {
        return Err(refused(refusal));
    }
    Ok(Accepted {
        key,
        encoding,
        received,
        export,
    })
}
