//! The Issue page's query: the issue, its hashes' groupings and its latest
//! event, read into an [`EventView`] (bounded: at most `MAX_SHOWN` of each
//! list, long texts cut).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::grouping::{exceptions, frames, text};
use crate::error::AppError;
use crate::errors::Basis;
use crate::errors::issue::{BreadcrumbView, EventView, ExceptionView, FrameView, Grouping, IssueDetail, MAX_SHOWN};
use crate::errors::issues::IssueRow;
use crate::state::AppState;

/// Longest text shown in one place.
const MAX_TEXT: usize = 2000;

/// An event's columns as the Issue page reads them (`EVENT_COLUMNS`).
pub type EventColumns = (
    String,
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    Option<String>,
    Value,
);

type IssueColumns = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Option<i64>,
);

pub async fn issue(state: &AppState, issue_id: i64) -> Result<IssueDetail, AppError> {
    let mut conn = state.connection("errors: issue").await?;
    let found: Option<IssueColumns> = sqlx::query_as(
        "SELECT p.service, i.title, i.culprit, i.level, i.state, i.event_count, i.user_count, \
         i.first_seen, i.last_seen, i.first_release, i.merged_into \
         FROM error_issues i JOIN error_projects p ON p.id = i.project_id WHERE i.id = $1",
    )
    .bind(issue_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(AppError::internal_in("errors: issue"))?;
    let (service, title, culprit, level, state_name, events, users, first_seen, last_seen, first_release, merged_into) =
        found.ok_or(AppError::NotFound)?;
    let hashes: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT hash, basis, components FROM error_hashes WHERE issue_id = $1 ORDER BY created_at, hash",
    )
    .bind(issue_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(AppError::internal_in("errors: hashes"))?;
    let latest: Option<EventColumns> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM error_events WHERE issue_id = $1 ORDER BY ts DESC, id DESC LIMIT 1"
    ))
    .bind(issue_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(AppError::internal_in("errors: latest event"))?;
    let groupings = hashes
        .into_iter()
        .filter_map(|(hash, basis, components)| {
            let components = components
                .as_array()?
                .iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect();
            Some(Grouping {
                hash,
                basis: Basis::parse(&basis)?,
                components,
            })
        })
        .collect();
    Ok(IssueDetail {
        issue: IssueRow {
            id: issue_id,
            service,
            title,
            culprit,
            level,
            state: state_name,
            events,
            users,
            first_seen,
            last_seen,
            last_day: Vec::new(),
        },
        first_release,
        groupings,
        merged_into,
        latest: latest.map(event_view),
    })
}

fn cut(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// A scalar as text (objects and arrays as compact JSON, cut).
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => cut(text),
        other => cut(&other.to_string()),
    }
}

/// A breadcrumb's time as the page shows it (UTC, to the millisecond): SDKs
/// send seconds since the epoch (with a fraction) or an RFC 3339 string;
/// anything else is shown as sent.
fn crumb_time(value: &Value) -> String {
    let at = match value {
        Value::Number(seconds) => seconds
            .as_f64()
            .and_then(|s| DateTime::<Utc>::from_timestamp_micros((s * 1e6).round() as i64)),
        Value::String(text) => DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc)),
        _ => None,
    };
    at.map_or_else(|| shown(value), |t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
}

/// What [`EventColumns`] selects.
pub const EVENT_COLUMNS: &str = "event_id, ts, level, message, release, environment, event";

/// One event as the page shows it, from its columns.
pub fn event_view((event_id, ts, level, message, release, environment, event): EventColumns) -> EventView {
    EventView {
        event_id,
        ts,
        level,
        message,
        release,
        environment,
        ..view_of(&event)
    }
}

/// The parts of `event` the page shows.
pub fn view_of(event: &Value) -> EventView {
    EventView {
        exceptions: exceptions(event)
            .into_iter()
            .rev()
            .take(MAX_SHOWN)
            .map(exception_view)
            .collect(),
        breadcrumbs: breadcrumbs(event),
        tags: pairs(event.get("tags")),
        contexts: event
            .get("contexts")
            .and_then(Value::as_object)
            .map(|contexts| {
                contexts
                    .iter()
                    .take(MAX_SHOWN)
                    .map(|(name, fields)| (cut(name), pairs(Some(fields))))
                    .collect()
            })
            .unwrap_or_default(),
        user: pairs(event.get("user")),
        ..EventView::default()
    }
}

fn exception_view(exception: &Value) -> ExceptionView {
    let all = frames(exception);
    let frames = all
        .iter()
        .rev()
        .take(MAX_SHOWN)
        .map(|frame| {
            let file = text(frame.get("filename"))
                .or_else(|| text(frame.get("abs_path")))
                .or_else(|| text(frame.get("module")))
                .unwrap_or("?");
            let mut location = cut(file);
            for field in ["lineno", "colno"] {
                if let Some(n) = frame.get(field).and_then(Value::as_u64) {
                    location.push_str(&format!(":{n}"));
                }
            }
            FrameView {
                function: text(frame.get("function")).map(cut).unwrap_or_else(|| "?".to_string()),
                location,
                in_app: frame.get("in_app").and_then(Value::as_bool) == Some(true),
                context_line: text(frame.get("context_line")).map(cut),
            }
        })
        .collect();
    ExceptionView {
        kind: text(exception.get("type"))
            .map(cut)
            .unwrap_or_else(|| "Error".to_string()),
        value: text(exception.get("value")).map(cut).unwrap_or_default(),
        frames,
        more_frames: all.len().saturating_sub(MAX_SHOWN),
    }
}

fn breadcrumbs(event: &Value) -> Vec<BreadcrumbView> {
    let list = match event.get("breadcrumbs") {
        Some(Value::Object(map)) => map.get("values").and_then(Value::as_array),
        Some(Value::Array(list)) => Some(list),
        _ => None,
    };
    let list = list.map(Vec::as_slice).unwrap_or_default();
    // The latest ones: the trail that led to the error.
    list[list.len().saturating_sub(MAX_SHOWN)..]
        .iter()
        .map(|crumb| BreadcrumbView {
            at: crumb.get("timestamp").map(crumb_time),
            category: text(crumb.get("category")).map(cut).unwrap_or_default(),
            level: text(crumb.get("level")).map(cut).unwrap_or_else(|| "info".to_string()),
            message: text(crumb.get("message"))
                .map(cut)
                .or_else(|| crumb.get("data").map(shown))
                .unwrap_or_default(),
        })
        .collect()
}

/// An object's fields, or a list of `[name, value]` pairs, as text pairs.
fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    match value {
        Some(Value::Object(map)) => map
            .iter()
            .filter(|(name, _)| name.as_str() != "type")
            .take(MAX_SHOWN)
            .map(|(name, value)| (cut(name), shown(value)))
            .collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|pair| match pair.as_array()?.as_slice() {
                [name, value] => Some((shown(name), shown(value))),
                _ => None,
            })
            .take(MAX_SHOWN)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_view_reads_sdks_shapes_and_stays_bounded() {
        let frames: Vec<Value> = (0..150)
            .map(|n| json!({ "filename": "a.js", "function": format!("f{n}"), "lineno": n, "in_app": n % 2 == 0 }))
            .collect();
        let event = json!({
            "exception": { "values": [
                { "type": "Cause", "value": "inner" },
                { "type": "TypeError", "value": "outer", "stacktrace": { "frames": frames } }
            ] },
            "breadcrumbs": { "values": [{ "category": "http", "message": "GET /cart", "timestamp": 1.5 }] },
            "tags": [["route", "/cart"]],
            "contexts": { "os": { "type": "os", "name": "Linux" } },
            "user": { "id": "42", "email": "ann@example.com" }
        });
        let view = view_of(&event);
        assert_eq!(view.exceptions[0].kind, "TypeError", "outermost first");
        assert_eq!(view.exceptions[0].frames.len(), MAX_SHOWN);
        assert_eq!(view.exceptions[0].more_frames, 50);
        assert_eq!(view.exceptions[0].frames[0].function, "f149", "most recent call first");
        assert_eq!(view.exceptions[0].frames[0].location, "a.js:149");
        assert!(!view.exceptions[0].frames[0].in_app);
        assert_eq!(view.breadcrumbs[0].message, "GET /cart");
        assert_eq!(view.breadcrumbs[0].at.as_deref(), Some("1970-01-01 00:00:01.500 UTC"));
        assert_eq!(
            crumb_time(&json!("2026-12-06T23:00:01.25+01:00")),
            "2026-12-06 22:00:01.250 UTC"
        );
        assert_eq!(crumb_time(&json!("yesterday")), "yesterday", "shown as sent");
        assert_eq!(view.tags, vec![("route".to_string(), "/cart".to_string())]);
        assert_eq!(
            view.contexts,
            vec![("os".to_string(), vec![("name".to_string(), "Linux".to_string())])]
        );
        assert_eq!(view.user.len(), 2);
    }
}
