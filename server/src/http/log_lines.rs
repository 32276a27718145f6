//! What every log door does with its checked lines (OTLP/HTTP, NDJSON,
//! Opsdeck's own events): store them in one transaction, idempotently
//! (`app::logs::ssr::store`), and once committed publish them to the live
//! tail, off the request path (`app::logs::ssr::publish`).

use std::sync::atomic::{AtomicBool, Ordering};

use app::ingest_batches::Claim;
use app::logs::NewLogLine;
use app::logs::ssr::store::{self, Stored};
use app::state::AppState;

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
