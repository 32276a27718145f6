//! Verifying the hash chain: every entry from id 1 on, in id order, must be
//! present, link to its predecessor's hash and still match its own hash.
//!
//! Rows are streamed, so memory stays constant however long the log is. What
//! the chain cannot show on its own: entries cut off the end (the newest
//! entries deleted together). The chain's anchor (`anchor.rs`: the head
//! recorded outside the table) catches that: the log must still reach the
//! anchored entry, and that entry must still carry the anchored hash.

use futures::TryStreamExt;
use sqlx::PgConnection;

use super::{AuditKey, GENESIS_HASH, StoredEntry, entry_hash};
use crate::audit::{BreakReason, ChainAnchor, ChainReport};

const ALL_IN_ID_ORDER: &str = "SELECT id, at, actor_id, actor_email, actor_role, action, target_type, target_id, \
                               outcome, client_ip, user_agent, request_id, before, after, prev_hash, hash \
                               FROM audit_log ORDER BY id";

/// Walks the whole chain and reports the first broken entry, if any.
pub async fn verify_chain(conn: &mut PgConnection, key: &AuditKey) -> Result<ChainReport, sqlx::Error> {
    verify_against(conn, key, None).await
}

/// Walks the whole chain, and checks that it still holds `anchor`.
#[tracing::instrument(skip_all, err)]
pub async fn verify_against(
    conn: &mut PgConnection,
    key: &AuditKey,
    anchor: Option<ChainAnchor>,
) -> Result<ChainReport, sqlx::Error> {
    let mut rows = sqlx::query_as::<_, StoredEntry>(ALL_IN_ID_ORDER).fetch(&mut *conn);
    let mut expected_id = 1;
    let mut prev_hash = GENESIS_HASH.to_vec();
    while let Some(entry) = rows.try_next().await? {
        if let Some(reason) = check(key, &entry, expected_id, &prev_hash) {
            return Ok(ChainReport::Broken {
                id: entry.head.id,
                reason,
            });
        }
        if anchor.is_some_and(|anchor| anchor.id == entry.head.id && anchor.hash[..] != entry.hash[..]) {
            return Ok(ChainReport::Broken {
                id: entry.head.id,
                reason: BreakReason::NotAnchored,
            });
        }
        expected_id = entry.head.id + 1;
        prev_hash = entry.hash;
    }
    let last_id = expected_id - 1;
    if let Some(anchor) = anchor.filter(|anchor| anchor.id > last_id) {
        return Ok(ChainReport::Broken {
            id: expected_id,
            reason: BreakReason::Truncated { anchored: anchor.id },
        });
    }
    Ok(ChainReport::Intact {
        last_id,
        count: last_id,
        anchor,
    })
}

/// Why `entry` breaks the chain, if it does. The link is checked before the
/// hash so that moved entries read as re-ordered rather than edited.
fn check(key: &AuditKey, entry: &StoredEntry, expected_id: i64, prev_hash: &[u8]) -> Option<BreakReason> {
    if entry.head.id != expected_id {
        return Some(BreakReason::Missing { from: expected_id });
    }
    if entry.prev_hash != prev_hash {
        return Some(BreakReason::WrongLink);
    }
    if entry_hash(key, entry) != entry.hash {
        return Some(BreakReason::Edited);
    }
    None
}
