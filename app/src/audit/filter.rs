//! The audit log's filters: what the filter form and the CSV link send
//! ([`AuditFilter`], raw query parameters) and what the queries run on
//! ([`AuditQuery`], parsed and bounded).
//!
//! Parsing happens on the server (the browser's copy is only used to build
//! links), so a hand-edited URL gets the same `AppError::Validation` as the form.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::error::AppError;
use crate::url::present;

/// Longest accepted value of a text filter (an email may be 254 characters).
pub const MAX_FILTER_LEN: usize = 254;

/// The filter as query parameters, every field as typed by the user.
///
/// Empty strings mean "no filter", because an HTML GET form sends every field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Option<String>,
    /// Free text, matched in action, actor email, target id and before/after.
    pub q: Option<String>,
    /// Show entries older than (id below) this id.
    pub older: Option<String>,
    /// Show entries newer than (id above) this id.
    pub newer: Option<String>,
}

/// Which page of the newest-first list: keyset cursors on the entry id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cursor {
    Older(i64),
    Newer(i64),
}

/// A parsed filter. Times are a half-open range `[from, until)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Lower-cased; compared with `lower(actor_email)`.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub text: Option<String>,
    pub cursor: Option<Cursor>,
}

impl AuditFilter {
    /// Parses every field, naming the first bad one.
    pub fn parse(&self) -> Result<AuditQuery, AppError> {
        let (from, until) = time_bounds(&self.from, &self.to)?;
        let outcome = present(&self.outcome)
            .map(|v| {
                Outcome::parse(v).ok_or_else(|| AppError::validation("outcome", "must be success, failure or denied"))
            })
            .transpose()?;
        let cursor = match (present(&self.older), present(&self.newer)) {
            (Some(_), Some(_)) => return Err(AppError::validation("older", "use either “older” or “newer”, not both")),
            (Some(id), None) => Some(Cursor::Older(parse_id("older", id)?)),
            (None, Some(id)) => Some(Cursor::Newer(parse_id("newer", id)?)),
            (None, None) => None,
        };
        Ok(AuditQuery {
            from,
            until,
            actor: text("actor", &self.actor)?.map(|v| v.to_lowercase()),
            action: text("action", &self.action)?,
            target_type: text("target_type", &self.target_type)?,
            target_id: text("target_id", &self.target_id)?,
            outcome,
            text: text("q", &self.q)?,
            cursor,
        })
    }

    /// The filter (without cursors) as a query string, for links: `actor=a%40b.c&q=x`.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("actor", &self.actor),
            ("action", &self.action),
            ("target_type", &self.target_type),
            ("target_id", &self.target_id),
            ("outcome", &self.outcome),
            ("q", &self.q),
        ];
        crate::url::query_string(&pairs)
    }

    /// `/audit?…` for the page at `cursor` under this filter.
    pub fn page_href(&self, cursor: Option<Cursor>) -> String {
        let mut query = self.query_string();
        if let Some(cursor) = cursor {
            if !query.is_empty() {
                query.push('&');
            }
            match cursor {
                Cursor::Older(id) => query.push_str(&format!("older={id}")),
                Cursor::Newer(id) => query.push_str(&format!("newer={id}")),
            }
        }
        if query.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{query}")
        }
    }

    /// Whether any filter (not counting cursors) is set.
    pub fn is_filtered(&self) -> bool {
        !self.query_string().is_empty()
    }
}

fn text(field: &str, value: &Option<String>) -> Result<Option<String>, AppError> {
    match present(value) {
        Some(v) if v.chars().count() > MAX_FILTER_LEN => Err(AppError::validation(
            field,
            format!("must be at most {MAX_FILTER_LEN} characters"),
        )),
        Some(v) if v.chars().any(char::is_control) => {
            Err(AppError::validation(field, "must not contain control characters"))
        }
        other => Ok(other.map(str::to_string)),
    }
}

fn parse_id(field: &str, value: &str) -> Result<i64, AppError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::validation(field, "must be an entry number"))
}

/// `[from, until)`, either end open when `None`.
pub type TimeBounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The half-open range `[from, until)` of a form's `from` and `to` fields
/// (either may be empty), errors named after the field. `to` includes the
/// whole unit it names: "2026-11-24" means up to the end of that day.
pub fn time_bounds(from: &Option<String>, to: &Option<String>) -> Result<TimeBounds, AppError> {
    let from = present(from)
        .map(|v| parse_time(v).map(|(start, _)| start))
        .transpose()
        .map_err(|m| AppError::validation("from", m))?;
    let until = present(to)
        .map(|v| parse_time(v).map(|(start, unit)| start + unit))
        .transpose()
        .map_err(|m| AppError::validation("to", m))?;
    if let (Some(from), Some(until)) = (from, until)
        && until <= from
    {
        return Err(AppError::validation("to", "must be after “from”"));
    }
    Ok((from, until))
}

/// A time as the start of the unit it names and that unit's length.
///
/// Accepts what `<input type="date">` and `<input type="datetime-local">`
/// send (read as UTC, the time zone the page shows) and full RFC 3339.
pub fn parse_time(value: &str) -> Result<(DateTime<Utc>, TimeDelta), String> {
    if value.len() > 40 {
        return Err("is not a date or time".to_string());
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0).ok_or("is not a date")?;
        return Ok((start.and_utc(), Duration::days(1)));
    }
    for (format, unit) in [
        ("%Y-%m-%dT%H:%M", Duration::minutes(1)),
        ("%Y-%m-%dT%H:%M:%S", Duration::seconds(1)),
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(value, format) {
            return Ok((time.and_utc(), unit));
        }
    }
    DateTime::parse_from_rfc3339(value)
        .map(|time| (time.with_timezone(&Utc), Duration::microseconds(1)))
        .map_err(|_| "is not a date or time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(set: impl FnOnce(&mut AuditFilter)) -> AuditFilter {
        let mut filter = AuditFilter::default();
        set(&mut filter);
        filter
    }

    fn utc(value: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .expect("test time")
    }

    #[test]
    fn empty_fields_mean_no_filter() {
        let query = filter(|f| {
            f.actor = Some("  ".into());
            f.from = Some(String::new());
        })
        .parse()
        .expect("parses");
        assert_eq!(query, AuditQuery::default());
    }

    #[test]
    fn a_date_covers_its_whole_day_and_a_minute_its_minute() {
        let query = filter(|f| {
            f.from = Some("2026-11-24".into());
            f.to = Some("2026-11-24".into());
        })
        .parse()
        .expect("parses");
        assert_eq!(query.from, Some(utc("2026-11-24T00:00:00Z")));
        assert_eq!(query.until, Some(utc("2026-11-25T00:00:00Z")));
        let query = filter(|f| f.to = Some("2026-11-24T10:15".into()))
            .parse()
            .expect("parses");
        assert_eq!(query.until, Some(utc("2026-11-24T10:16:00Z")));
        let query = filter(|f| f.from = Some("2026-11-24T10:15:00+01:00".into()))
            .parse()
            .expect("parses");
        assert_eq!(query.from, Some(utc("2026-11-24T09:15:00Z")));
    }

    #[test]
    fn bad_input_names_its_field() {
        let field_of = |f: AuditFilter| match f.parse() {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(field_of(filter(|f| f.from = Some("yesterday".into()))), "from");
        assert_eq!(field_of(filter(|f| f.to = Some("2026-13-01".into()))), "to");
        assert_eq!(
            field_of(filter(|f| {
                f.from = Some("2026-11-25".into());
                f.to = Some("2026-11-24".into());
            })),
            "to"
        );
        assert_eq!(field_of(filter(|f| f.outcome = Some("maybe".into()))), "outcome");
        assert_eq!(field_of(filter(|f| f.q = Some("x".repeat(MAX_FILTER_LEN + 1)))), "q");
        assert_eq!(field_of(filter(|f| f.actor = Some("a\u{0}b".into()))), "actor");
        assert_eq!(field_of(filter(|f| f.older = Some("-3".into()))), "older");
        assert_eq!(field_of(filter(|f| f.newer = Some("abc".into()))), "newer");
        assert_eq!(
            field_of(filter(|f| {
                f.older = Some("3".into());
                f.newer = Some("4".into());
            })),
            "older"
        );
    }

    #[test]
    fn actor_is_compared_case_insensitively_and_text_is_kept() {
        let query = filter(|f| {
            f.actor = Some(" Ana@Example.COM ".into());
            f.q = Some("Role".into());
            f.outcome = Some("denied".into());
            f.older = Some("51".into());
        })
        .parse()
        .expect("parses");
        assert_eq!(query.actor.as_deref(), Some("ana@example.com"));
        assert_eq!(query.text.as_deref(), Some("Role"));
        assert_eq!(query.outcome, Some(Outcome::Denied));
        assert_eq!(query.cursor, Some(Cursor::Older(51)));
    }

    #[test]
    fn links_carry_the_filter_encoded_and_drop_empty_fields() {
        let f = filter(|f| {
            f.actor = Some("a+b@example.com".into());
            f.q = Some("50% & more".into());
            f.action = Some(String::new());
            f.older = Some("9".into());
        });
        assert_eq!(f.query_string(), "actor=a%2Bb%40example.com&q=50%25%20%26%20more");
        assert_eq!(
            f.page_href(Some(Cursor::Newer(7))),
            "/audit?actor=a%2Bb%40example.com&q=50%25%20%26%20more&newer=7"
        );
        assert_eq!(AuditFilter::default().page_href(None), "/audit");
        assert_eq!(
            AuditFilter::default().page_href(Some(Cursor::Older(3))),
            "/audit?older=3"
        );
    }
}
