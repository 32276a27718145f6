//! The tamper-evident audit log: who did what, when, and with what outcome.
//!
//! Entries are appended by `ssr::append` in the same transaction as the change
//! they record; the table refuses UPDATE and DELETE, and the HMAC hash chain
//! lets `opsdeck audit verify` and the Audit page find the first broken link.
//!
//! This file holds the types the Audit page and its server functions share;
//! `filter` parses the page's filters, `diff` lays out before/after, `api`
//! holds the server functions, and `ssr` (server only) appends, queries and
//! verifies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::permissions::Role;

pub mod api;
pub mod diff;
pub mod filter;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;
pub use filter::{AuditFilter, AuditQuery, Cursor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Success, Outcome::Failure, Outcome::Denied];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    pub fn parse(value: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|outcome| outcome.as_str() == value)
    }
}

/// Who did what to which target, and when: the part of an entry that the
/// Audit page shows and the chain stores alike (`ssr::StoredEntry`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EntryHead {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

/// One audit entry as the Audit page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub head: EntryHead,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    /// `None` for viewers who may read summaries only (stripped on the server).
    pub details: Option<EntryDetails>,
}

/// The parts of an entry only `ReadAuditDetails` may see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryDetails {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One page of the newest-first list, with keyset cursors to its neighbours.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Cursor for the next older page (`older=<id>`), when there is one.
    pub older: Option<i64>,
    /// Cursor for the next newer page (`newer=<id>`), when there is one.
    pub newer: Option<i64>,
}

impl AuditPage {
    /// Removes what summary-only viewers may not see.
    pub fn strip_details(&mut self) {
        for entry in &mut self.entries {
            entry.details = None;
        }
    }
}

/// What the list server function answers: the page and the viewer's role,
/// so the page offers only what that role may do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditListing {
    pub page: AuditPage,
    pub viewer_role: Role,
}

/// The chain's head as last recorded outside the table (in Redis and in
/// Opsdeck's log): the chain alone cannot show entries cut off its end, the
/// anchor can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainAnchor {
    /// The newest entry's id when the anchor was recorded.
    pub id: i64,
    /// That entry's hash.
    pub hash: [u8; 32],
    pub at: DateTime<Utc>,
}

impl ChainAnchor {
    /// `ID:HASH` (hash in hex): what the log line prints and
    /// `opsdeck audit verify --expect-head` takes.
    pub fn head(&self) -> String {
        let hex: String = self.hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}:{hex}", self.id)
    }

    /// Reads `ID:HASH` back; `at` is when it was recorded, if known.
    pub fn parse_head(text: &str, at: DateTime<Utc>) -> Result<ChainAnchor, String> {
        let wrong = || format!("expected ID:HASH (an entry id and its 64-character hex hash), got {text:?}");
        let (id, hex) = text.trim().split_once(':').ok_or_else(wrong)?;
        let id: i64 = id.parse().ok().filter(|id| *id >= 1).ok_or_else(wrong)?;
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(wrong());
        }
        let mut hash = [0u8; 32];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| wrong())?;
        }
        Ok(ChainAnchor { id, hash, at })
    }
}

/// The result of checking the hash chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainReport {
    /// Every entry from 1 to `last_id` is present, linked and unedited, and
    /// the chain still holds `anchor` (the last one recorded), if any.
    Intact {
        last_id: i64,
        count: i64,
        #[serde(default)]
        anchor: Option<ChainAnchor>,
    },
    /// The first entry where the chain does not hold.
    Broken { id: i64, reason: BreakReason },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreakReason {
    /// The entry's contents no longer match its hash.
    Edited,
    /// Entries `from` up to the broken entry's id − 1 are missing.
    Missing { from: i64 },
    /// The entry's `prev_hash` is not the previous entry's hash: entries were
    /// re-ordered, replaced or re-linked.
    WrongLink,
    /// The log ends before the anchor's entry `anchored`: entries from the
    /// broken entry's id on were cut off the end.
    Truncated { anchored: i64 },
    /// The entry is the anchor's, but its hash is not the one anchored.
    NotAnchored,
}

impl BreakReason {
    pub fn describe(self, id: i64) -> String {
        match self {
            BreakReason::Edited => "the entry was edited (its contents do not match its hash)".to_string(),
            BreakReason::Missing { from } if from + 1 >= id => format!("entry {from} before it is missing"),
            BreakReason::Missing { from } => format!("entries {from} to {} before it are missing", id - 1),
            BreakReason::WrongLink => {
                "the entry does not link to the entry before it (entries re-ordered or replaced)".to_string()
            }
            BreakReason::Truncated { anchored } if anchored == id => {
                format!("the log ends before it, but the chain's anchor recorded entry {anchored} (cut off the end)")
            }
            BreakReason::Truncated { anchored } => format!(
                "the log ends before it, but the chain's anchor recorded entries up to {anchored} (entries {id} to {anchored} cut off the end)"
            ),
            BreakReason::NotAnchored => "the entry is not the one the chain's anchor recorded (replaced)".to_string(),
        }
    }
}

impl std::fmt::Display for ChainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ChainReport::Intact {
                count: 0, anchor: None, ..
            } => f.write_str("The audit log is empty"),
            ChainReport::Intact { last_id, anchor, .. } => {
                write!(f, "Chain intact up to entry {last_id}")?;
                match anchor {
                    Some(anchor) => write!(
                        f,
                        "; it holds the anchor recorded {} (entry {})",
                        anchor.at.format("%Y-%m-%d %H:%M:%S UTC"),
                        anchor.id
                    ),
                    None => f.write_str("; no anchor recorded yet"),
                }
            }
            ChainReport::Broken { id, reason } => write!(f, "Broken at entry {id}: {}", reason.describe(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_as_the_page_and_cli_show_them() {
        assert_eq!(
            ChainReport::Intact {
                last_id: 12,
                count: 12,
                anchor: None
            }
            .to_string(),
            "Chain intact up to entry 12; no anchor recorded yet"
        );
        assert_eq!(
            ChainReport::Broken {
                id: 8,
                reason: BreakReason::Truncated { anchored: 10 }
            }
            .to_string(),
            "Broken at entry 8: the log ends before it, but the chain's anchor recorded entries up to 10 (entries 8 to 10 cut off the end)"
        );
        assert_eq!(
            ChainReport::Broken {
                id: 5,
                reason: BreakReason::Missing { from: 4 }
            }
            .to_string(),
            "Broken at entry 5: entry 4 before it is missing"
        );
        assert_eq!(
            ChainReport::Broken {
                id: 9,
                reason: BreakReason::Missing { from: 1 }
            }
            .to_string(),
            "Broken at entry 9: entries 1 to 8 before it are missing"
        );
        assert!(
            ChainReport::Broken {
                id: 3,
                reason: BreakReason::Edited
            }
            .to_string()
            .starts_with("Broken at entry 3: the entry was edited")
        );
    }

    #[test]
    fn an_anchor_reads_back_from_its_head_and_refuses_anything_else() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let anchor = ChainAnchor {
            id: 42,
            hash: [0xab; 32],
            at,
        };
        assert_eq!(anchor.head(), format!("42:{}", "ab".repeat(32)));
        assert_eq!(ChainAnchor::parse_head(&anchor.head(), at), Ok(anchor));
        for wrong in [
            "",
            "42",
            "42:",
            "0:00",
            "-1:ab",
            &format!("x:{}", "ab".repeat(32)),
            &format!("42:{}", "zz".repeat(32)),
            &format!("42:{}", "ab".repeat(31)),
            &format!("42:{}é", "a".repeat(62)),
        ] {
            assert!(ChainAnchor::parse_head(wrong, at).is_err(), "{wrong:?}");
        }
    }
}
