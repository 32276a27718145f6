//! The Issue page's events (`IssueEventsFilter`, from the URL, and
//! `IssueEvents`): the chosen event, a keyset-paged list of the issue's
//! events, the releases and environments it was seen in, and its
//! occurrences over the range with the service's deployments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::issue::EventView;
use crate::deployments::DeploymentMarker;
use crate::error::AppError;
use crate::metrics::window::{Window, window_for};
use crate::url::{present, query_string};

/// Events per page of the list.
pub const EVENTS_PAGE: usize = 20;

/// What the Issue page's URL asks for; every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEventsFilter {
    /// The event to show (its SDK event id); the latest when absent.
    pub event: Option<String>,
    /// The keyset cursor of the list: `<unix microseconds>.<row id>` of the last event shown.
    pub before: Option<String>,
    /// The occurrences chart's range (15m … 30d; 24h by default).
    pub range: Option<String>,
}

/// A parsed [`IssueEventsFilter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueEventsQuery {
    pub event: Option<String>,
    pub before: Option<(i64, i64)>,
    pub window: Window,
}

impl IssueEventsFilter {
    pub fn parse(&self, now: DateTime<Utc>) -> Result<IssueEventsQuery, AppError> {
        let range = Some(present(&self.range).unwrap_or("24h").to_string());
        if range.as_deref() == Some("custom") {
            return Err(AppError::validation(
                "range",
                "Choose one of 15m, 1h, 6h, 24h, 7d or 30d",
            ));
        }
        let window = window_for(&range, &None, &None, now)?;
        let event = present(&self.event).map(str::to_string);
        if event.as_ref().is_some_and(|e| e.len() > 64) {
            return Err(AppError::validation("event", "Not an event id"));
        }
        let before = match present(&self.before) {
            None => None,
            Some(v) => Some(
                v.split_once('.')
                    .and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)))
                    .ok_or_else(|| AppError::validation("before", "Not a page of this list; start again"))?,
            ),
        };
        Ok(IssueEventsQuery { event, before, window })
    }

    /// `/errors/issues/<id>?…` with this filter's range and `event`, `before`.
    pub fn href(&self, issue_id: i64, event: Option<String>, before: Option<String>) -> String {
        let query = query_string(&[("event", &event), ("before", &before), ("range", &self.range)]);
        if query.is_empty() {
            format!("/errors/issues/{issue_id}")
        } else {
            format!("/errors/issues/{issue_id}?{query}")
        }
    }
}

/// One event in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub event_id: String,
    pub ts: DateTime<Utc>,
    pub level: String,
    pub release: Option<String>,
    pub environment: Option<String>,
    pub user: Option<String>,
    pub message: String,
}

/// A release or environment the issue was seen in, with its stored events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenIn {
    pub name: String,
    pub events: i64,
    pub last_seen: DateTime<Utc>,
}

/// The issue's events as the page shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueEvents {
    /// The event the URL chose, when it is one of this issue's.
    pub chosen: Option<EventView>,
    pub rows: Vec<EventRow>,
    /// The cursor of the next (older) page, when there is one.
    pub next: Option<String>,
    pub releases: Vec<SeenIn>,
    pub environments: Vec<SeenIn>,
    /// `(bucket start in unix ms, events)` over the range, every bucket.
    pub occurrences: Vec<(i64, i64)>,
    pub step_ms: i64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub deployments: Vec<DeploymentMarker>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_filter_parses_and_links() {
        let now = Utc::now();
        let query = IssueEventsFilter::default().parse(now).expect("defaults");
        assert!(query.window.to - query.window.from >= chrono::Duration::hours(24));
        assert_eq!(query.before, None);
        let filter = IssueEventsFilter {
            event: Some("abc".into()),
            before: Some("1700000000000000.7".into()),
            range: Some("7d".into()),
        };
        let query = filter.parse(now).expect("valid");
        assert_eq!(
            (query.event.as_deref(), query.before),
            (Some("abc"), Some((1_700_000_000_000_000, 7)))
        );
        for (field, bad) in [
            (
                "before",
                IssueEventsFilter {
                    before: Some("x".into()),
                    ..Default::default()
                },
            ),
            (
                "range",
                IssueEventsFilter {
                    range: Some("custom".into()),
                    ..Default::default()
                },
            ),
            (
                "range",
                IssueEventsFilter {
                    range: Some("1y".into()),
                    ..Default::default()
                },
            ),
            (
                "event",
                IssueEventsFilter {
                    event: Some("e".repeat(65)),
                    ..Default::default()
                },
            ),
        ] {
            assert!(
                matches!(bad.parse(now), Err(AppError::Validation { field: f, .. }) if f == field),
                "{field}"
            );
        }
        assert_eq!(
            filter.href(4, None, Some("9.1".into())),
            "/errors/issues/4?before=9.1&range=7d"
        );
        assert_eq!(IssueEventsFilter::default().href(4, None, None), "/errors/issues/4");
    }
}
