//! The Errors page's question (`IssueFilter`, from the URL) and answer
//! (`IssueListing`): issues of a service and time range, filtered, sorted
//! and keyset-paged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::metrics::window::window_for;
use crate::url::{present, query_string};

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// What the URL asks for; every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueFilter {
    pub service: Option<String>,
    pub level: Option<String>,
    pub state: Option<String>,
    pub q: Option<String>,
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    /// The keyset cursor: `<sort value>.<issue id>` of the last row shown.
    pub after: Option<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    /// A deployment's id: only issues first seen after it started.
    pub since: Option<String>,
}

/// How issues are ordered (always newest/most first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IssueSort {
    #[default]
    LastSeen,
    FirstSeen,
    Events,
    Users,
}

impl IssueSort {
    pub const ALL: [IssueSort; 4] = [
        IssueSort::LastSeen,
        IssueSort::FirstSeen,
        IssueSort::Events,
        IssueSort::Users,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueSort::LastSeen => "last_seen",
            IssueSort::FirstSeen => "first_seen",
            IssueSort::Events => "events",
            IssueSort::Users => "users",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IssueSort::LastSeen => "last seen",
            IssueSort::FirstSeen => "first seen",
            IssueSort::Events => "events in range",
            IssueSort::Users => "users (all time)",
        }
    }
}

pub const LEVELS: [&str; 5] = ["fatal", "error", "warning", "info", "debug"];
pub const STATES: [&str; 4] = ["unresolved", "regressed", "resolved", "ignored"];

/// A parsed [`IssueFilter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueQuery {
    pub service: Option<String>,
    pub level: Option<String>,
    pub state: Option<String>,
    pub q: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub sort: IssueSort,
    pub after: Option<(i64, i64)>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub since: Option<i64>,
}

impl IssueFilter {
    /// Parses every field at `now`, naming the first bad one. The range
    /// defaults to the last 24 hours.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<IssueQuery, AppError> {
        let range = Some(present(&self.range).unwrap_or("24h").to_string());
        let window = window_for(&range, &self.from, &self.to, now)?;
        let one_of = |field: &str, value: &Option<String>, allowed: &[&str]| match present(value) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(_) => Err(AppError::validation(
                field,
                format!("Choose one of {}", allowed.join(", ")),
            )),
        };
        let sort = match present(&self.sort) {
            None => IssueSort::default(),
            Some(v) => IssueSort::ALL
                .into_iter()
                .find(|sort| sort.as_str() == v)
                .ok_or_else(|| AppError::validation("sort", "Choose last_seen, first_seen, events or users"))?,
        };
        let after = match present(&self.after) {
            None => None,
            Some(v) => Some(
                v.split_once('.')
                    .and_then(|(key, id)| Some((key.parse().ok()?, id.parse().ok()?)))
                    .ok_or_else(|| AppError::validation("after", "Not a page of this list; start again"))?,
            ),
        };
        let q = present(&self.q).map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(AppError::validation("q", "Use at most 200 characters"));
        }
        let named = |field: &str, value: &Option<String>| match present(value) {
            Some(v) if v.chars().count() > 200 => Err(AppError::validation(field, "Use at most 200 characters")),
            v => Ok(v.map(str::to_string)),
        };
        let since = match present(&self.since) {
            None => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .map_err(|_| AppError::validation("since", "Choose a deployment from the list"))?,
            ),
        };
        Ok(IssueQuery {
            environment: named("environment", &self.environment)?,
            release: named("release", &self.release)?,
            since,
            service: present(&self.service).map(str::to_string),
            level: one_of("level", &self.level, &LEVELS)?,
            state: one_of("state", &self.state, &STATES)?,
            q,
            from: window.from,
            to: window.to,
            sort,
            after,
        })
    }

    /// `/errors?…` for this filter with `sort` and the page after `after`.
    pub fn href(&self, sort: Option<&str>, after: Option<String>) -> String {
        let custom = present(&self.range) == Some("custom");
        let sort = sort.map(str::to_string);
        let (from, to) = if custom {
            (self.from.clone(), self.to.clone())
        } else {
            (None, None)
        };
        let query = query_string(&[
            ("service", &self.service),
            ("level", &self.level),
            ("state", &self.state),
            ("environment", &self.environment),
            ("release", &self.release),
            ("since", &self.since),
            ("q", &self.q),
            ("range", &self.range),
            ("from", &from),
            ("to", &to),
            ("sort", &sort),
            ("after", &after),
        ]);
        if query.is_empty() {
            "/errors".to_string()
        } else {
            format!("/errors?{query}")
        }
    }
}

/// One issue as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRow {
    pub id: i64,
    pub service: String,
    pub title: String,
    pub culprit: String,
    pub level: String,
    pub state: String,
    /// Events in the chosen range (from the per-minute counts; on the
    /// Issue page, ever).
    pub events: i64,
    /// Users affected in the chosen range (on the Issue page, ever).
    pub users: i64,
    /// Events per hour over the last 24 hours, oldest first (the list's
    /// sparkline; empty on the Issue page).
    #[serde(default)]
    pub last_day: Vec<i64>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A page of issues and what the filter form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueListing {
    pub services: Vec<String>,
    /// The newest deployments (of the chosen service): `(id, label)`, for
    /// "new since deployment".
    pub deployments: Vec<(i64, String)>,
    pub rows: Vec<IssueRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_name_their_bad_fields() {
        let now = Utc::now();
        let query = IssueFilter::default().parse(now).expect("defaults");
        assert!(query.to - query.from >= chrono::Duration::hours(24));
        assert_eq!(query.sort, IssueSort::LastSeen);
        let filter = IssueFilter {
            level: Some("error".into()),
            sort: Some("events".into()),
            after: Some("12.34".into()),
            ..IssueFilter::default()
        };
        let query = filter.parse(now).expect("valid");
        assert_eq!(
            (query.level.as_deref(), query.sort, query.after),
            (Some("error"), IssueSort::Events, Some((12, 34)))
        );
        for (field, bad) in [
            (
                "level",
                IssueFilter {
                    level: Some("loud".into()),
                    ..IssueFilter::default()
                },
            ),
            (
                "state",
                IssueFilter {
                    state: Some("gone".into()),
                    ..IssueFilter::default()
                },
            ),
            (
                "sort",
                IssueFilter {
                    sort: Some("title".into()),
                    ..IssueFilter::default()
                },
            ),
            (
                "after",
                IssueFilter {
                    after: Some("x".into()),
                    ..IssueFilter::default()
                },
            ),
            (
                "range",
                IssueFilter {
                    range: Some("1y".into()),
                    ..IssueFilter::default()
                },
            ),
        ] {
            assert!(
                matches!(bad.parse(now), Err(AppError::Validation { field: f, .. }) if f == field),
                "{field}"
            );
        }
    }

    #[test]
    fn hrefs_keep_the_filter_and_leave_out_empty_fields() {
        let filter = IssueFilter {
            service: Some("shop".into()),
            q: Some("a b".into()),
            ..IssueFilter::default()
        };
        assert_eq!(filter.href(None, None), "/errors?service=shop&q=a%20b");
        assert_eq!(
            filter.href(Some("events"), Some("5.9".into())),
            "/errors?service=shop&q=a%20b&sort=events&after=5.9"
        );
        assert_eq!(IssueFilter::default().href(None, None), "/errors");
    }
}
