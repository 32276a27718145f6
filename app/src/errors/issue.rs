//! The Issue page's answer: the issue, what grouped it, and its latest
//! event read out of the stored JSON (exception chain with frames,
//! breadcrumbs, tags, contexts, user), each part bounded so a huge event
//! makes a page of bounded size.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Basis;
use super::issues::IssueRow;

/// At most this many frames per exception, breadcrumbs, tags… are shown.
pub const MAX_SHOWN: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueDetail {
    pub issue: IssueRow,
    pub first_release: Option<String>,
    /// Every hash grouped into the issue, with its rule and components.
    pub groupings: Vec<Grouping>,
    /// The issue this one was merged into (its events are there now).
    pub merged_into: Option<i64>,
    pub latest: Option<EventView>,
}

/// One hash of an issue: what its events were grouped by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouping {
    pub hash: String,
    pub basis: Basis,
    pub components: Vec<String>,
}

/// One event as the page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub event_id: String,
    pub ts: DateTime<Utc>,
    pub level: String,
    pub message: String,
    pub release: Option<String>,
    pub environment: Option<String>,
    /// Outermost (the one raised last) first.
    pub exceptions: Vec<ExceptionView>,
    pub breadcrumbs: Vec<BreadcrumbView>,
    pub tags: Vec<(String, String)>,
    /// Each context (os, runtime, browser…) with its fields.
    pub contexts: Vec<(String, Vec<(String, String)>)>,
    pub user: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionView {
    pub kind: String,
    pub value: String,
    /// Most recent call first.
    pub frames: Vec<FrameView>,
    /// Frames left out past [`MAX_SHOWN`].
    pub more_frames: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameView {
    pub function: String,
    /// `file:line:column` (or the module when there is no file).
    pub location: String,
    pub in_app: bool,
    /// The source line, when the SDK sent it.
    pub context_line: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreadcrumbView {
    pub at: Option<String>,
    pub category: String,
    pub level: String,
    pub message: String,
}
