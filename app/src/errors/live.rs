//! What the Errors page hears live: an issue that got events, as the store
//! committed them (`GET /api/v1/live?errors=only`, event `issue`, only for
//! readers of errors). The page marks new issues and updated counts.

use serde::{Deserialize, Serialize};

/// One issue after a committed envelope (or JSON batch) touched it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueUpdate {
    pub issue_id: i64,
    pub service: String,
    pub title: String,
    /// Whether the issue was created by these events.
    pub new: bool,
    /// Its events in all, after them.
    pub events: i64,
}
