//! What every log door does with its checked lines (OTLP/HTTP, NDJSON,
//! Opsdeck's own events): store them in one transaction, idempotently
//! (`app::logs::ssr::store`), and once committed publish them to the live
//! tail, off the request path (`app::logs::ssr::publish`).

use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::request::Parts;

use app::ingest_batches::{Batches, Claim};
use app::logs::NewLogLine;
use app::logs::ssr::store::{self, Stored};
use app::state::AppState;

use crate::http::ingest::idempotency::idempotency_key;
use crate::http::otlp::{Refusal, gzipped, read_body};
use crate::prometheus::COUNTERS;

/// How a batch ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    pub lines: usize,
    /// The same `Idempotency-Key` was stored before; nothing stored now.
    pub duplicate: bool,
}

/// Whether the last publish failed (so a Redis outage is logged once,
/// not once per batch — Opsdeck's own log lines would feed on it).
static PUBLISH_FAILING: AtomicBool = AtomicBool::new(false);

/// Stores `lines` (claiming `claim`), then publishes the committed lines.
pub async fn store_and_publish(
    state: &AppState,
    claim: Option<Claim<'_>>,
    lines: Vec<NewLogLine>,
) -> sqlx::Result<Accepted> {
    match store::store(&state.db, claim, lines).await? {
        Stored::Duplicate { accepted } => Ok(Accepted {
            lines: accepted,
            duplicate: true,
        }),
        Stored::Committed(committed) => {
            let count = committed.len();
            COUNTERS.log_lines_accepted(count);
            app::logs::ssr::publish::publish_in_background(
                state.redis.clone(),
                committed,
                |error, lines| match error {
                    None => {
                        if PUBLISH_FAILING.swap(false, Ordering::Relaxed) {
                            tracing::info!("publishing stored log lines to the live tail works again");
                        }
                    }
                    Some(error) => {
                        COUNTERS.log_publish_failed(lines);
                        if !PUBLISH_FAILING.swap(true, Ordering::Relaxed) {
                            tracing::warn!(%error, lines, "could not publish stored log lines to the live tail");
                        }
                    }
                },
            );
            Ok(Accepted {
                lines: count,
                duplicate: false,
            })
        }
    }
}

/// What a sender is told when the store failed: nothing of the batch was kept.
pub const NOT_STORED: &str =
    "the batch could not be stored and nothing of it was kept; retry it (with the same Idempotency-Key)";

/// What both log doors read once they know the body's format: whether it
/// is gzipped, its `Idempotency-Key`, and the body itself within
/// `OPSDECK_LOGS_MAX_BYTES`.
pub struct Received {
    pub gzip: bool,
    pub idempotency_key: Option<String>,
    pub body: Bytes,
}

impl Received {
    /// The idempotency claim a batch sent with `api_key_id` makes, if any.
    pub fn claim(&self, api_key_id: i64) -> Option<Claim<'_>> {
        self.idempotency_key.as_deref().map(|idempotency_key| Claim {
            batches: Batches::Logs,
            api_key_id,
            idempotency_key,
        })
    }
}

/// Reads what [`Received`] holds, refusing a bad encoding or key (400) and
/// a body over the limit (413).
pub async fn receive(state: &AppState, parts: Parts, body: Body) -> Result<Received, Refusal> {
    let gzip = gzipped(&parts.headers)?;
    let idempotency_key = idempotency_key(&parts.headers, Batches::Logs)
        .map_err(|message| Refusal::new(StatusCode::BAD_REQUEST, message))?;
    let request = Request::from_parts(parts, body);
    let body = read_body(state, request, state.logs.max_body_bytes).await?;
    Ok(Received {
        gzip,
        idempotency_key,
        body,
    })
}
