//! The chain's anchor: its head (the newest entry's id and hash) recorded
//! outside the table, so that entries cut off the end can be told from a
//! log that simply ended there.
//!
//! Every instance records the head every `OPSDECK_AUDIT_ANCHOR_SECS` in
//! Redis and in its own log (`audit chain anchored head=ID:HASH`). The Redis
//! copy only ever moves forward (a script compares ids), so a log shorter
//! than its anchor stays visible to every verification until someone looks;
//! the log lines outlive a Redis restart and can be handed to
//! `opsdeck audit verify --expect-head ID:HASH`.
//!
//! The anchor belongs to one database (its key carries the database's oid):
//! a database dropped and created again under the same name, or a backup
//! restored into a new one, starts an anchor of its own instead of reading
//! as the old log cut short.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgConnection;

use crate::audit::ChainAnchor;
use crate::redis_handle::RedisHandle;

/// Which audit log an anchor belongs to: the database's oid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogId(i64);

/// The audit log `conn` reads.
pub async fn log_id(conn: &mut PgConnection) -> sqlx::Result<LogId> {
    let oid: i64 = sqlx::query_scalar("SELECT oid::int8 FROM pg_database WHERE datname = current_database()")
        .fetch_one(conn)
        .await?;
    Ok(LogId(oid))
}

/// The Redis key (under the installation's prefix).
fn key(redis: &RedisHandle, log: LogId) -> String {
    redis.key(&format!("audit:anchor:{}", log.0))
}

/// Sets the anchor unless the one stored names a later (or the same) entry.
/// Answers 1 when it moved, 0 when it did not, and the stored id as the
/// second value.
const ADVANCE: &str = r"
local stored = redis.call('GET', KEYS[1])
if stored then
  local id = tonumber(string.match(stored, '^(%d+):'))
  if id and id >= tonumber(ARGV[1]) then return {0, id} end
end
redis.call('SET', KEYS[1], ARGV[2])
return {1, tonumber(ARGV[1])}
";

/// The newest entry, as an anchor recorded at `at`; `None` for an empty log.
pub async fn head(conn: &mut PgConnection, at: DateTime<Utc>) -> sqlx::Result<Option<ChainAnchor>> {
    let row: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(|(id, hash)| {
        Some(ChainAnchor {
            id,
            hash: hash.try_into().ok()?,
            at,
        })
    }))
}

/// What recording the head did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The anchor moved to the head.
    Moved,
    /// The anchor already named this entry.
    Unchanged,
    /// The anchor names a later entry than the log's head: entries were cut
    /// off the end (the anchor is kept).
    AheadOfLog { anchored: i64 },
}

/// Records `head` as the anchor, unless the stored anchor is at or past it.
pub async fn record(redis: &RedisHandle, log: LogId, head: ChainAnchor) -> redis::RedisResult<Recorded> {
    let mut conn = redis.connection().await?;
    let (moved, stored): (i64, i64) = redis::cmd("EVAL")
        .arg(ADVANCE)
        .arg(1)
        .arg(key(redis, log))
        .arg(head.id)
        .arg(encode(&head))
        .query_async(&mut conn)
        .await?;
    Ok(match (moved, stored) {
        (1, _) => Recorded::Moved,
        (_, stored) if stored == head.id => Recorded::Unchanged,
        (_, stored) => Recorded::AheadOfLog { anchored: stored },
    })
}

/// The anchor recorded last, if any (and readable).
pub async fn read(redis: &RedisHandle, log: LogId) -> redis::RedisResult<Option<ChainAnchor>> {
    let mut conn = redis.connection().await?;
    let stored: Option<String> = redis::cmd("GET").arg(key(redis, log)).query_async(&mut conn).await?;
    Ok(stored.as_deref().and_then(decode))
}

/// `ID:HASH:UNIX_MILLIS`.
fn encode(anchor: &ChainAnchor) -> String {
    format!("{}:{}", anchor.head(), anchor.at.timestamp_millis())
}

fn decode(stored: &str) -> Option<ChainAnchor> {
    let (head, millis) = stored.rsplit_once(':')?;
    let at = Utc.timestamp_millis_opt(millis.parse().ok()?).single()?;
    ChainAnchor::parse_head(head, at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_reads_back() {
        let anchor = ChainAnchor {
            id: 7,
            hash: [3; 32],
            at: Utc.timestamp_millis_opt(1_764_000_000_123).single().unwrap_or_default(),
        };
        assert_eq!(decode(&encode(&anchor)), Some(anchor));
        assert_eq!(decode("7:03"), None);
        assert_eq!(decode("garbage"), None);
    }
}
