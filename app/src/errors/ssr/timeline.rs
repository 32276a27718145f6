//! The Issue page's triage part: the issue's state in words and its
//! timeline — the audit entries whose target is the issue, newest first,
//! each with who made the change (Opsdeck itself for automatic ones) and
//! the state before and after in words.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::reopen::next_release;
use super::states::{COLUMNS, IssueState};
use crate::error::AppError;
use crate::errors::states::{IssueTriage, TimelineEntry};
use crate::state::AppState;

/// The timeline shows at most this many entries.
pub const MAX_ENTRIES: i64 = 200;

type EntryRow = (DateTime<Utc>, Option<String>, String, Option<Value>, Option<Value>);

pub async fn triage(state: &AppState, issue_id: i64) -> Result<IssueTriage, AppError> {
    let fail = AppError::internal_in("errors: triage");
    let mut conn = state.connection("errors: triage").await?;
    let issue: Option<IssueState> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM error_issues i JOIN error_projects p ON p.id = i.project_id WHERE i.id = $1"
    ))
    .bind(issue_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(&fail)?;
    let issue = issue.ok_or(AppError::NotFound)?;
    let mut columns = issue.columns();
    if issue.resolution.as_deref() == Some("next_release") {
        let since = issue.resolved_at.unwrap_or_default();
        columns.next_release = next_release(&mut conn, &issue.service, since).await.map_err(&fail)?;
    }
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT at, actor_email, action, before, after FROM audit_log \
         WHERE target_type = 'error_issue' AND target_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(issue_id.to_string())
    .bind(MAX_ENTRIES)
    .fetch_all(&mut *conn)
    .await
    .map_err(&fail)?;
    Ok(IssueTriage {
        state: columns.view(),
        timeline: rows.into_iter().map(timeline_entry).collect(),
    })
}

fn timeline_entry((at, who, action, before, after): EntryRow) -> TimelineEntry {
    let what = match action.as_str() {
        "error_issue.resolve" => "Resolved".to_string(),
        "error_issue.ignore" => "Ignored".to_string(),
        "error_issue.unresolve" => "Unresolved".to_string(),
        "error_issue.regress" => "Regressed".to_string(),
        "error_issue.unignore" => "No longer ignored".to_string(),
        other => other.strip_prefix("error_issue.").unwrap_or(other).replace('_', " "),
    };
    let why = after.as_ref().and_then(|after| after.get("why")).map(reason);
    TimelineEntry {
        at,
        who: who.unwrap_or_else(|| "—".to_string()),
        what,
        before: before.as_ref().map(words),
        after: after.as_ref().map(|after| match &why {
            Some(why) => format!("{} ({why})", words(after)),
            None => words(after),
        }),
    }
}

/// A state snapshot (`states::snapshot`) in words.
pub fn words(snapshot: &Value) -> String {
    let text = |name: &str| snapshot.get(name).and_then(Value::as_str).map(str::to_string);
    let number = |name: &str| snapshot.get(name).and_then(Value::as_i64);
    let state = text("state").unwrap_or_else(|| "unknown".to_string());
    match (state.as_str(), text("resolution").as_deref()) {
        ("resolved", Some("in_release")) => {
            format!(
                "resolved in release {}",
                text("resolved_in_release").unwrap_or_default()
            )
        }
        ("resolved", Some("next_release")) => match text("current_release") {
            Some(current) => format!("resolved in the next release (after {current})"),
            None => "resolved in the next release".to_string(),
        },
        ("ignored", _) => {
            let mut until = Vec::new();
            if let Some(at) = text("ignore_until")
                && let Ok(at) = DateTime::parse_from_rfc3339(&at)
            {
                until.push(format!("until {}", at.with_timezone(&Utc).format("%Y-%m-%d %H:%M UTC")));
            }
            if let Some(target) = number("ignore_until_events") {
                until.push(format!("until {target} events in all"));
            }
            if let Some(target) = number("ignore_until_users") {
                until.push(format!("until {target} users in all"));
            }
            if until.is_empty() {
                "ignored forever".to_string()
            } else {
                format!("ignored {}", until.join(", "))
            }
        }
        (state, _) => state.to_string(),
    }
}

/// Why Opsdeck changed the state, from the entry's `why`.
fn reason(why: &Value) -> String {
    if why.get("ignored_until").is_some() {
        return "its time ran out".to_string();
    }
    if let Some(events) = why.get("events").and_then(Value::as_i64) {
        let users = why.get("users").and_then(Value::as_i64).unwrap_or(0);
        return format!("its condition passed at {events} events, {users} users");
    }
    let release = why.get("event_release").and_then(Value::as_str).unwrap_or("no release");
    match why.get("resolved_in").and_then(Value::as_str) {
        Some(fixed) => format!("an event from {release}, resolved in {fixed}"),
        None => format!("an event from {release}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn snapshots_read_in_words() {
        for (snapshot, expected) in [
            (json!({ "state": "unresolved" }), "unresolved"),
            (json!({ "state": "resolved", "resolution": "now" }), "resolved"),
            (
                json!({ "state": "resolved", "resolution": "in_release", "resolved_in_release": "1.2.0" }),
                "resolved in release 1.2.0",
            ),
            (
                json!({ "state": "resolved", "resolution": "next_release", "current_release": "1.1.0" }),
                "resolved in the next release (after 1.1.0)",
            ),
            (json!({ "state": "ignored" }), "ignored forever"),
            (
                json!({ "state": "ignored", "ignore_until": "2026-12-07T10:15:00Z", "ignore_until_events": 9 }),
                "ignored until 2026-12-07 10:15 UTC, until 9 events in all",
            ),
            (json!({ "state": "regressed" }), "regressed"),
        ] {
            assert_eq!(words(&snapshot), expected);
        }
    }

    #[test]
    fn automatic_changes_say_why() {
        let why = json!({ "event_release": "1.3.0", "resolved_in": "1.2.0" });
        assert_eq!(reason(&why), "an event from 1.3.0, resolved in 1.2.0");
        assert_eq!(reason(&json!({ "event_release": null })), "an event from no release");
        assert_eq!(
            reason(&json!({ "ignored_until": "2026-12-07T10:15:00Z" })),
            "its time ran out"
        );
        assert_eq!(
            reason(&json!({ "events": 12, "users": 3 })),
            "its condition passed at 12 events, 3 users"
        );
    }
}
