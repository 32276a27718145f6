//! An issue's state and the changes people make to it: resolve (now, in
//! the next release, in a named release), ignore (forever, for a while,
//! until N more events or users), unresolve. `StateChange::parse` reads the
//! forms of the Issue page and the Errors page's bulk actions (both sides);
//! `ssr::states` applies a change with its audit entry, and reopens issues
//! when events say so (`ssr::release_order`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};

/// At most this many issues change in one request (a page of the list).
pub const MAX_ISSUES: usize = 100;
/// "Until N more events/users": N at most this.
pub const MAX_COUNT: i64 = 1_000_000;

/// The durations the Ignore menu offers: (form value, words).
pub const DURATIONS: [(&str, &str); 6] = [
    ("30m", "30 minutes"),
    ("2h", "2 hours"),
    ("6h", "6 hours"),
    ("24h", "24 hours"),
    ("7d", "7 days"),
    ("30d", "30 days"),
];

/// A change someone asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateChange {
    Resolve,
    ResolveInNextRelease,
    ResolveInRelease(String),
    IgnoreForever,
    IgnoreFor(i64),
    IgnoreUntilEvents(i64),
    IgnoreUntilUsers(i64),
    Unresolve,
}

impl StateChange {
    /// The form's `change` with the fields that change needs (`release`,
    /// `duration`, `count`); each problem names its field.
    pub fn parse(
        change: &str,
        release: Option<&str>,
        duration: Option<&str>,
        count: Option<&str>,
    ) -> Result<StateChange, AppError> {
        fn present(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        Ok(match change {
            "resolve" => StateChange::Resolve,
            "resolve_next_release" => StateChange::ResolveInNextRelease,
            "resolve_in_release" => match present(release) {
                None => return Err(AppError::validation("release", "Name the release that fixes it")),
                Some(r) if r.chars().count() > 200 => {
                    return Err(AppError::validation("release", "Use at most 200 characters"));
                }
                Some(r) if r.chars().any(char::is_control) => {
                    return Err(AppError::validation(
                        "release",
                        "A release name has no control characters",
                    ));
                }
                Some(r) => StateChange::ResolveInRelease(r.to_string()),
            },
            "ignore" => StateChange::IgnoreForever,
            "ignore_for" => {
                let value = present(duration);
                match DURATIONS.iter().find(|(v, _)| Some(*v) == value) {
                    Some((v, _)) => StateChange::IgnoreFor(minutes(v)),
                    None => return Err(AppError::validation("duration", "Choose how long to ignore it")),
                }
            }
            "ignore_until_events" => StateChange::IgnoreUntilEvents(parse_count(count)?),
            "ignore_until_users" => StateChange::IgnoreUntilUsers(parse_count(count)?),
            "unresolve" => StateChange::Unresolve,
            _ => return Err(AppError::validation("change", "Choose resolve, ignore or unresolve")),
        })
    }

    /// "Resolved 3 issues" and the like: the verb in the past tense.
    pub fn done(&self) -> &'static str {
        match self {
            StateChange::Resolve => "Resolved",
            StateChange::ResolveInNextRelease => "Resolved in the next release",
            StateChange::ResolveInRelease(_) => "Resolved in a release",
            StateChange::IgnoreForever
            | StateChange::IgnoreFor(_)
            | StateChange::IgnoreUntilEvents(_)
            | StateChange::IgnoreUntilUsers(_) => "Ignored",
            StateChange::Unresolve => "Unresolved",
        }
    }
}

/// `30m`, `2h`, `7d` in minutes (only `DURATIONS`' values reach here).
fn minutes(value: &str) -> i64 {
    let (number, unit) = value.split_at(value.len().saturating_sub(1));
    let number: i64 = number.parse().unwrap_or(0);
    match unit {
        "d" => number * 24 * 60,
        "h" => number * 60,
        _ => number,
    }
}

fn parse_count(count: Option<&str>) -> Result<i64, AppError> {
    match count.map(str::trim).filter(|c| !c.is_empty()).map(str::parse::<i64>) {
        Some(Ok(n)) if (1..=MAX_COUNT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::validation(
            "count",
            format!("Enter a whole number from 1 to {MAX_COUNT}"),
        )),
        None => Err(AppError::validation("count", "Enter how many")),
    }
}

/// The issue ids a form sent (the checked rows, or the one issue), each a
/// number, at least one and at most [`MAX_ISSUES`], duplicates dropped.
pub fn parse_ids(ids: Option<&[String]>) -> Result<Vec<i64>, AppError> {
    let ids = ids.unwrap_or_default();
    let mut errors = FieldErrors::default();
    if ids.is_empty() {
        errors.push("issue_ids", "Select at least one issue");
    }
    if ids.len() > MAX_ISSUES {
        errors.push("issue_ids", format!("Select at most {MAX_ISSUES} issues at once"));
    }
    let mut parsed: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        match id.trim().parse::<i64>() {
            Ok(id) if id > 0 => parsed.push(id),
            _ => errors.push("issue_ids", "Not an issue number; reload the page"),
        }
    }
    errors.check()?;
    parsed.sort_unstable();
    parsed.dedup();
    Ok(parsed)
}

/// What a change did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateOutcome {
    pub done: String,
    /// Issues whose state changed.
    pub changed: Vec<i64>,
    /// Issues already in that state.
    pub unchanged: Vec<i64>,
}

impl StateOutcome {
    /// "Resolved 2 issues (1 already was)."
    pub fn message(&self) -> String {
        let n = self.changed.len();
        let issues = if n == 1 { "issue" } else { "issues" };
        let mut text = format!("{} {n} {issues}", self.done);
        if !self.unchanged.is_empty() {
            text.push_str(&format!(" ({} already were)", self.unchanged.len()));
        }
        text.push('.');
        text
    }
}

/// An issue's state as the Issue page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateView {
    pub state: String,
    /// The state in words: how resolved, until when ignored.
    pub summary: String,
}

/// The parts of an issue's row that say more than its state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateColumns {
    pub state: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_in_release: Option<String>,
    pub resolved_current_release: Option<String>,
    /// For "next release": the first release deployed since, if any.
    pub next_release: Option<String>,
    pub ignore_until: Option<DateTime<Utc>>,
    pub ignore_until_events: Option<i64>,
    pub ignore_until_users: Option<i64>,
    pub events: i64,
    pub users: i64,
}

impl StateColumns {
    /// Whether an ignored issue's condition has passed at `now`: its time
    /// has come, or its counts reached their targets. Never for "forever".
    pub fn ignore_passed(&self, now: DateTime<Utc>) -> bool {
        self.state == "ignored"
            && (self.ignore_until.is_some_and(|until| until <= now)
                || self.ignore_until_events.is_some_and(|target| self.events >= target)
                || self.ignore_until_users.is_some_and(|target| self.users >= target))
    }

    pub fn view(&self) -> StateView {
        let when = |at: Option<DateTime<Utc>>| at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string());
        let summary = match self.state.as_str() {
            "resolved" => {
                let since = when(self.resolved_at)
                    .map(|at| format!(" since {at}"))
                    .unwrap_or_default();
                match (self.resolution.as_deref(), &self.next_release) {
                    (Some("in_release"), _) => format!(
                        "Resolved in release {}{since}: events from older releases do not reopen it.",
                        self.resolved_in_release.as_deref().unwrap_or("—")
                    ),
                    (Some("next_release"), Some(next)) => format!(
                        "Resolved in the next release, {next}{since}: events from older releases do not reopen it."
                    ),
                    (Some("next_release"), None) => format!(
                        "Resolved in the next release{since}; none deployed yet (current: {}).",
                        self.resolved_current_release.as_deref().unwrap_or("none known")
                    ),
                    _ => format!("Resolved{since}: any new event reopens it."),
                }
            }
            "ignored" => {
                let mut until = Vec::new();
                if let Some(at) = when(self.ignore_until) {
                    until.push(format!("until {at}"));
                }
                if let Some(target) = self.ignore_until_events {
                    until.push(format!("until {} more events", (target - self.events).max(1)));
                }
                if let Some(target) = self.ignore_until_users {
                    until.push(format!("until {} more users", (target - self.users).max(1)));
                }
                if until.is_empty() {
                    "Ignored forever.".to_string()
                } else {
                    format!("Ignored {}.", until.join(", "))
                }
            }
            "regressed" => "Regressed: it came back after it was resolved.".to_string(),
            _ => "Unresolved.".to_string(),
        };
        StateView {
            state: self.state.clone(),
            summary,
        }
    }
}

/// `now` plus a change's ignore duration.
pub fn ignore_until(now: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    now + Duration::minutes(minutes)
}

/// One line of an issue's timeline (its audit entries).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// The person, or "Opsdeck" for automatic changes.
    pub who: String,
    pub what: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The Issue page's triage part: the state and the timeline, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueTriage {
    pub state: StateView,
    pub timeline: Vec<TimelineEntry>,
}

#[cfg(test)]
mod tests;
