//! OTLP/HTTP, the plumbing every signal shares (`POST /v1/logs`,
//! `POST /v1/metrics`, `POST /v1/traces`): the two encodings, gzip with a hard bound,
//! the bearer key and its rate limit, and the answers the OTLP
//! specification asks for (opentelemetry.io/docs/specs/otlp/#otlphttp).
//!
//! - The request's `Content-Type` chooses the encoding: `application/x-protobuf`
//!   (binary protobuf, decoded by `prost` with the `opentelemetry-proto`
//!   types) or `application/json` (OTLP/JSON: lowerCamelCase fields, hex
//!   trace and span ids, 64-bit integers as strings or numbers). Anything
//!   else is 415. Answers use the request's encoding.
//! - `Content-Encoding: gzip` is decompressed, stopping one byte past the
//!   body limit (413), so a small bomb costs at most the limit.
//! - Success is 200 with the signal's `Export…ServiceResponse`, carrying a
//!   partial success (how many records were refused, and why) when some
//!   were; refusals are 400/401/403/413/415/429/503 with a `google.rpc.Status`
//!   body, and 429/503 carry `Retry-After`.
//!
//! Decompressing and decoding run on the blocking pool ([`decode`]): a
//! 10 MiB body takes tens of milliseconds that must not stall other requests.

pub mod accept;
pub mod attributes;
pub mod logs;
pub mod metrics;
pub mod traces;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

use app::api_keys::Scope;
use app::state::AppState;

use crate::http::body_encoding::{self, BodyEncoding, Undecodable};
use crate::http::ingest::bearer;

/// The two OTLP/HTTP encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// A refused request: its status and what the sender is told.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

/// `google.rpc.Status`, the body of every OTLP refusal (its `details` are
/// never sent). Declared with prost's derive like the generated types.
#[derive(Clone, PartialEq, prost::Message, Serialize)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// Refused records named in a partial success's message; the rest are counted.
const NAMED: usize = 10;

/// A partial success's message: how many `what` were refused, the first
/// [`NAMED`] reasons, and how many more.
pub fn refused_message(what: &str, refused: &[String]) -> String {
    let mut message = format!("{} {what} refused: ", refused.len());
    message.push_str(&refused.iter().take(NAMED).cloned().collect::<Vec<_>>().join("; "));
    if refused.len() > NAMED {
        message.push_str(&format!("; and {} more", refused.len() - NAMED));
    }
    message
}

/// The gRPC code a refusal's HTTP status stands for.
fn grpc_code(status: StatusCode) -> i32 {
    match status.as_u16() {
        401 => 16,       // UNAUTHENTICATED
        403 => 7,        // PERMISSION_DENIED
        413 | 429 => 8,  // RESOURCE_EXHAUSTED
        500..=599 => 14, // UNAVAILABLE
        _ => 3,          // INVALID_ARGUMENT
    }
}

/// The encoding `Content-Type` asks for (parameters such as charset ignored).
pub fn encoding(headers: &HeaderMap) -> Option<Encoding> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/x-protobuf") || essence.eq_ignore_ascii_case("application/protobuf") {
        Some(Encoding::Protobuf)
    } else if essence.eq_ignore_ascii_case("application/json") {
        Some(Encoding::Json)
    } else {
        None
    }
}

/// Whether the body is gzip (`Content-Encoding: gzip`); other encodings are 415.
pub fn gzipped(headers: &HeaderMap) -> Result<bool, Refusal> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(false);
    };
    match value.to_str().map(|text| text.trim().to_ascii_lowercase()).as_deref() {
        Ok("gzip" | "x-gzip") => Ok(true),
        Ok("identity" | "") => Ok(false),
        _ => Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Encoding must be gzip or absent",
        )),
    }
}

/// The answer to a refusal: a `Status` in `encoding`, with `Retry-After`
/// for 429 and 503.
pub fn refuse(refusal: &Refusal, encoding: Encoding, retry_after: Option<u64>) -> Response {
    let status = Status {
        code: grpc_code(refusal.status),
        message: refusal.message.clone(),
    };
    let mut response = encoded(&status, encoding);
    *response.status_mut() = refusal.status;
    if let Some(seconds) = retry_after.or(matches!(refusal.status.as_u16(), 429 | 503).then_some(1)) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A 200 carrying `message` in `encoding`.
pub fn encoded<M: prost::Message + Serialize>(message: &M, encoding: Encoding) -> Response {
    let body = match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        // Serialising these generated types cannot fail: no maps with non-string keys.
        Encoding::Json => serde_json::to_value(message)
            .map(without_nulls)
            .and_then(|json| serde_json::to_vec(&json))
            .unwrap_or_else(|_| b"{}".to_vec()),
    };
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(encoding.content_type()));
    response
}

/// OTLP/JSON leaves out fields that are not set (`{}`, not
/// `{"partialSuccess": null}`).
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| (key, without_nulls(value)))
            .collect(),
        other => other,
    }
}

/// The bearer key (with `scope`) and its rate limit; a refusal is answered
/// as a `Status` in `encoding`, keeping the key check's headers
/// (`WWW-Authenticate`, `Retry-After`).
pub async fn authorize(
    state: &AppState,
    parts: &Parts,
    scope: Scope,
    encoding: Encoding,
) -> Result<bearer::Authenticated, Response> {
    let key = match bearer::authenticate(state, parts, scope).await {
        Ok(key) => key,
        Err(refused) => return Err(restate(refused, encoding).await),
    };
    if let Some(retry_after) = bearer::rate_limited(state, key.id).await {
        let message = format!(
            "rate limit of {} requests per minute reached",
            state.ingest.rate_per_min
        );
        return Err(refuse(
            &Refusal::new(StatusCode::TOO_MANY_REQUESTS, message),
            encoding,
            Some(retry_after),
        ));
    }
    Ok(key)
}

/// The key check's JSON refusal (`{"error": …}`) as a `Status`.
async fn restate(refused: Response, encoding: Encoding) -> Response {
    let (parts, body) = refused.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|json| json["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| "the API key was refused".to_string());
    let mut response = refuse(&Refusal::new(parts.status, message), encoding, None);
    for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// `response`, counted in `/metrics` when it refuses (a 200 counts its
/// records where the door stored them).
pub fn counted(response: Response) -> Response {
    if !response.status().is_success() {
        crate::prometheus::COUNTERS.ingest_answer(response.status(), 0);
    }
    response
}

/// 413 for a request of `count` records when at most `max` are taken.
pub fn too_many_records(count: usize, max: usize, what: &str) -> Option<Refusal> {
    (count > max).then(|| {
        let message = format!("{count} {what} in one request; at most {max}, send smaller batches");
        Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    })
}

/// 503 with `Retry-After`: the store failed and nothing of the batch was kept.
pub fn not_stored(encoding: Encoding) -> Response {
    refuse(
        &Refusal::new(StatusCode::SERVICE_UNAVAILABLE, crate::http::log_lines::NOT_STORED),
        encoding,
        Some(1),
    )
}

/// The raw body, at most `limit` bytes (the route's `DefaultBodyLimit` is
/// the same value); 413 above.
pub async fn read_body(state: &AppState, request: Request, limit: usize) -> Result<Bytes, Refusal> {
    match Bytes::from_request(request, state).await {
        Ok(bytes) => Ok(bytes),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large(limit)),
        Err(rejection) => Err(Refusal::bad(format!(
            "could not read the body: {}",
            rejection.body_text()
        ))),
    }
}

pub fn too_large(limit: usize) -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {limit} bytes (after decompression); send smaller batches"),
    )
}

/// The body, decompressed when `gzip`, never more than `limit` bytes
/// (`body_encoding::decompress`, every door's bounded decompression).
pub fn decompress(body: Bytes, gzip: bool, limit: usize) -> Result<Bytes, Refusal> {
    let encoding = if gzip {
        BodyEncoding::Gzip
    } else {
        BodyEncoding::Identity
    };
    body_encoding::decompress(body, encoding, limit).map_err(|problem| match problem {
        Undecodable::TooLarge => too_large(limit),
        Undecodable::Invalid(error) => Refusal::bad(format!("the body is not valid gzip ({error})")),
    })
}

/// Decompresses and decodes `body` into `M` on the blocking pool.
///
/// OTLP/JSON ignores unknown fields, so any JSON object would decode as an
/// empty request; one that does not even mention `root_field` (the
/// request's one field, e.g. `resourceLogs`) is refused as not OTLP.
pub async fn decode<M>(
    body: Bytes,
    gzip: bool,
    encoding: Encoding,
    limit: usize,
    root_field: &'static str,
) -> Result<M, Refusal>
where
    M: prost::Message + DeserializeOwned + Default + Send + 'static,
{
    let decoded = tokio::task::spawn_blocking(move || {
        let plain = decompress(body, gzip, limit)?;
        let decoded = decode_plain::<M>(&plain, encoding)?;
        let quoted = format!("\"{root_field}\"");
        if encoding == Encoding::Json && !plain.windows(quoted.len()).any(|window| window == quoted.as_bytes()) {
            return Err(Refusal::bad(format!(
                "the body is JSON but not an OTLP export request (it has no {root_field})"
            )));
        }
        Ok(decoded)
    })
    .await;
    decoded.unwrap_or_else(|_| {
        Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "could not decode the body",
        ))
    })
}

fn decode_plain<M: prost::Message + DeserializeOwned + Default>(
    plain: &[u8],
    encoding: Encoding,
) -> Result<M, Refusal> {
    match encoding {
        Encoding::Protobuf => M::decode(plain).map_err(|error| {
            Refusal::bad(format!(
                "the body is not a valid protobuf {} ({error})",
                std::any::type_name::<M>().rsplit("::").next().unwrap_or("message")
            ))
        }),
        Encoding::Json => {
            if std::str::from_utf8(plain).is_err() {
                return Err(Refusal::bad("the body is not valid UTF-8; OTLP/JSON must be UTF-8"));
            }
            serde_json::from_slice(plain)
                .map_err(|error| Refusal::bad(format!("the body is not valid OTLP/JSON ({error})")))
        }
    }
}

#[cfg(test)]
mod tests;
