//! The checks every OTLP door makes before it reads the records (kept out
//! of `mod.rs`, which `ingest/received.rs` itself uses).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

use app::api_keys::Scope;
use app::ingest_batches::Batches;
use app::state::AppState;

use super::{Encoding, Refusal, authorize, decode, encoding, refuse};
use crate::http::ingest::bearer;
use crate::http::ingest::received::{self, Received};

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
/// (`root_field` names its one field). A refusal is the answer to send.
pub async fn accept<M>(
    state: &AppState,
    request: Request,
    scope: Scope,
    batches: Batches,
    limit: usize,
    root_field: &'static str,
) -> Result<Accepted<M>, Response>
where
    M: prost::Message + DeserializeOwned + Default + Send + 'static,
{
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
    let export = decode(received.body.clone(), received.gzip, encoding, limit, root_field)
        .await
        .map_err(refused)?;
    Ok(Accepted {
        key,
        encoding,
        received,
        export,
    })
}
