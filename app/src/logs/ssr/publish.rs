//! After a commit, each stored line goes to the Redis stream
//! `<key prefix>logs:live` ([`crate::logs::LIVE_STREAM`]), field `line`
//! holding the [`LogLine`] as JSON, so every instance's live tail sees it.
//!
//! Best-effort and off the request path: a line that cannot be published
//! (Redis down, too many publishes waiting) is still stored and searchable,
//! only the tails miss it. The stream is capped near [`MAX_LEN`] entries.

use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;

use crate::logs::{LIVE_STREAM, LogLine};
use crate::redis_handle::{RedisHandle, capped_xadd};

/// The stream keeps about this many of the newest lines.
pub const MAX_LEN: u32 = 10_000;
/// Lines per pipeline sent to Redis.
const CHUNK: usize = 1_000;
/// Publishes running at once, per process; past this a batch is not
/// published (and counted), so a slow Redis cannot pile up memory.
const IN_FLIGHT: usize = 64;

static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(IN_FLIGHT)));

/// Why a batch did not reach the live tail.
#[derive(Debug, thiserror::Error)]
pub enum NotPublished {
    #[error("too many publishes in flight")]
    Busy,
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("encoding a line: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Publishes `lines` in a task of its own; `report` is told (in that task)
/// how it went: the error, if any, and the number of lines.
pub fn publish_in_background(
    redis: RedisHandle,
    lines: Vec<LogLine>,
    report: impl FnOnce(Option<&NotPublished>, usize) + Send + 'static,
) {
    if lines.is_empty() {
        return;
    }
    let Ok(slot) = SLOTS.clone().try_acquire_owned() else {
        report(Some(&NotPublished::Busy), lines.len());
        return;
    };
    tokio::spawn(async move {
        let published = publish(&redis, &lines).await;
        report(published.as_ref().err(), lines.len());
        drop(slot);
    });
}

/// Appends one stream entry per line (pipelined).
pub async fn publish(redis: &RedisHandle, lines: &[LogLine]) -> Result<(), NotPublished> {
    let key = redis.key(LIVE_STREAM);
    let mut conn = redis.connection().await?;
    for chunk in lines.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for line in chunk {
            let json = serde_json::to_string(line)?;
            pipe.add_command(capped_xadd(&key, MAX_LEN, &[("line", &json)]))
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await?;
    }
    Ok(())
}
