//! One event as it is stored: scrubbed (`scrub`), grouped (`grouping`),
//! and the columns the pages filter on read out of it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

use super::grouping::{self, Grouping, exceptions, frame_component, frames, message_template, text};
use super::scrub;

/// The longest text kept in a column (the whole event keeps the rest).
const MAX_COLUMN_CHARS: usize = 1000;
/// How far ahead of the server's clock an event's time may be.
const MAX_AHEAD: Duration = Duration::minutes(5);

/// An event ready for `store`.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedEvent {
    /// 32 lowercase hex digits, as SDKs send it (and get it back).
    pub event_id: String,
    pub ts: DateTime<Utc>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub level: String,
    /// The user's id, else email, else IP address, else username.
    pub user: Option<String>,
    pub culprit: String,
    /// "Type: value" of the outermost exception, else the message's first line.
    pub title: String,
    pub message: String,
    pub grouping: Grouping,
    pub event: Value,
}

/// Reads `payload` (one event's JSON) into a [`PreparedEvent`]; `Err`
/// names the problem. `fallback_id` is the envelope's `event_id`.
pub fn prepare(
    payload: &[u8],
    fallback_id: Option<&str>,
    now: DateTime<Utc>,
    keep_days: u32,
    extra_scrub_keys: &[String],
) -> Result<PreparedEvent, String> {
    let event: Value =
        serde_json::from_slice(payload).map_err(|error| format!("the event is not valid JSON ({error})"))?;
    prepare_value(event, fallback_id, now, keep_days, extra_scrub_keys)
}

/// [`prepare`] for an event already read (Opsdeck's own JSON, its own failures).
pub fn prepare_value(
    mut event: Value,
    fallback_id: Option<&str>,
    now: DateTime<Utc>,
    keep_days: u32,
    extra_scrub_keys: &[String],
) -> Result<PreparedEvent, String> {
    if !event.is_object() {
        return Err("the event is not a JSON object".to_string());
    }
    // Read before scrubbing: an identifier is never a value to filter.
    let event_id = text(event.get("event_id"))
        .and_then(event_id)
        .or_else(|| fallback_id.and_then(event_id))
        .unwrap_or_else(random_event_id);
    scrub::scrub(&mut event, extra_scrub_keys);
    event["event_id"] = Value::String(event_id.clone());
    let oldest = now - Duration::days(i64::from(keep_days.saturating_sub(1)));
    let ts = timestamp(event.get("timestamp")).filter(|ts| *ts >= oldest && *ts <= now + MAX_AHEAD);
    let level = text(event.get("level"))
        .filter(|level| matches!(*level, "fatal" | "error" | "warning" | "info" | "debug"))
        .unwrap_or("error")
        .to_string();
    let user = event.get("user").and_then(|user| {
        ["id", "email", "ip_address", "username"]
            .iter()
            .find_map(|field| match user.get(*field) {
                Some(Value::Number(n)) => Some(n.to_string()),
                other => text(other).map(str::to_string),
            })
    });
    let grouping = grouping::group(&event);
    Ok(PreparedEvent {
        event_id,
        ts: ts.unwrap_or(now),
        environment: text(event.get("environment")).map(short),
        release: text(event.get("release")).map(short),
        level,
        user: user.as_deref().map(short),
        culprit: culprit(&event),
        title: title(&event),
        message: message(&event),
        grouping,
        event,
    })
}

fn short(text: &str) -> String {
    text.chars().take(MAX_COLUMN_CHARS).collect()
}

fn first_line(text: &str) -> String {
    short(text.lines().next().unwrap_or_default())
}

/// 32 lowercase hex digits from a hex or UUID text.
pub(super) fn event_id(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

fn random_event_id() -> String {
    use rand::Rng;
    hex::encode(rand::thread_rng().r#gen::<[u8; 16]>())
}

/// Seconds since the epoch (a number or its text), or RFC 3339.
pub(super) fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let seconds = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(text) => match text.parse::<f64>() {
            Ok(seconds) => seconds,
            Err(_) => return DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc)),
        },
        _ => return None,
    };
    if !seconds.is_finite() || !(0.0..1e11).contains(&seconds) {
        return None;
    }
    // Whole microseconds, the database's precision; the range check above keeps it in i64.
    #[allow(clippy::cast_possible_truncation)]
    let micros = (seconds * 1e6).round() as i64;
    Utc.timestamp_micros(micros).single()
}

pub fn title(event: &Value) -> String {
    if let Some(outermost) = exceptions(event).last() {
        let kind = text(outermost.get("type")).unwrap_or("Error");
        return match text(outermost.get("value")) {
            Some(value) => first_line(&format!("{kind}: {value}")),
            None => kind.to_string(),
        };
    }
    formatted_message(event).map_or_else(|| "<no message>".to_string(), first_line)
}

fn formatted_message(event: &Value) -> Option<&str> {
    let entry = event
        .get("logentry")
        .or_else(|| event.get("message").filter(|m| m.is_object()));
    entry
        .and_then(|entry| text(entry.get("formatted")))
        .or_else(|| message_template(event))
}

fn message(event: &Value) -> String {
    let value = exceptions(event).last().and_then(|e| text(e.get("value")));
    value
        .or_else(|| formatted_message(event))
        .map(short)
        .unwrap_or_default()
}

/// The SDK's `transaction` (or legacy `culprit`), else the innermost
/// in-app frame of the outermost exception (else its innermost frame).
fn culprit(event: &Value) -> String {
    if let Some(named) = text(event.get("transaction")).or_else(|| text(event.get("culprit"))) {
        return short(named);
    }
    let Some(outermost) = exceptions(event).last().copied() else {
        return String::new();
    };
    let frames = frames(outermost);
    let in_app = frames
        .iter()
        .rev()
        .find(|frame| frame.get("in_app").and_then(Value::as_bool) == Some(true));
    in_app
        .or(frames.last())
        .map(frame_component)
        .map(|c| short(&c))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
