//! The Silences page's create form: every field as typed (so a failed
//! create loses nothing), parsed into a [`SilenceDraft`] with a message for
//! every wrong field at once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Severity;
use super::form::pairs;
use super::silence::SilenceDraft;
use crate::error::{AppError, FieldErrors};

/// The create form: every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SilenceForm {
    pub rule_name: String,
    /// A severity, or empty for any.
    pub severity: String,
    /// `name=value`, one per line.
    pub labels: String,
    /// Empty: now. `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339.
    pub starts_at: String,
    /// The end as a time, or …
    pub ends_at: String,
    /// … as a duration from the start: `30m`, `2h`, `1d`, `1h30m`.
    pub duration: String,
    pub comment: String,
    /// A checkbox: present when checked.
    pub end_when_resolved: Option<String>,
}

impl SilenceForm {
    /// A new silence for the alerts of rule `name`.
    pub fn for_rule(name: &str) -> Self {
        SilenceForm {
            rule_name: name.to_string(),
            ..Default::default()
        }
    }

    /// The draft this form describes at `now`, validated; errors name every
    /// wrong field at once (`AppError::Fields` when more than one is).
    pub fn parse(&self, now: DateTime<Utc>) -> Result<SilenceDraft, AppError> {
        let mut errors = FieldErrors::default();
        let severity = match self.severity.trim() {
            "" => None,
            word => errors.take(
                Severity::parse(word)
                    .ok_or_else(|| AppError::validation("severity", "Choose critical, warning, info or any")),
            ),
        };
        let labels = errors.take(pairs("labels", &self.labels));
        let starts_at = match self.starts_at.trim() {
            "" => Some(now),
            value => errors.take(time("starts_at", value)),
        };
        // The field the end was given in, which its problems are shown beside.
        let end_field = if self.ends_at.trim().is_empty() {
            "duration"
        } else {
            "ends_at"
        };
        let ends_at = match (self.ends_at.trim(), self.duration.trim()) {
            ("", "") => errors.take(Err(AppError::validation(
                "duration",
                "Give a duration (e.g. 2h) or an end time",
            ))),
            (_, "") => errors.take(time("ends_at", self.ends_at.trim())),
            ("", duration) => errors
                .take(parse_duration(duration))
                .and_then(|d| starts_at.map(|s| s + d)),
            _ => errors.take(Err(AppError::validation(
                "duration",
                "Give a duration or an end time, not both",
            ))),
        };
        // A field that did not read takes a stand-in, so the others are still
        // checked; checks that would read a stand-in are left out.
        let times_read = starts_at.is_some() && ends_at.is_some();
        let draft = SilenceDraft {
            rule_name: Some(self.rule_name.trim().to_string()).filter(|n| !n.is_empty()),
            severity,
            labels: labels.clone().unwrap_or_default(),
            starts_at: starts_at.unwrap_or(now),
            ends_at: ends_at.unwrap_or(now + Duration::hours(1)),
            comment: self.comment.trim().to_string(),
            end_when_resolved: self.end_when_resolved.is_some(),
        };
        if let Err(more) = draft.validate(now) {
            for (field, message) in FieldErrors::from(more).0 {
                match field.as_str() {
                    "ends_at" if !times_read => {}
                    "ends_at" => errors.push(end_field, message),
                    // Matching nothing is only sure when every matcher read.
                    "matchers" if severity.is_none() && !self.severity.trim().is_empty() => {}
                    "matchers" if labels.is_none() => {}
                    _ => errors.push(field, message),
                }
            }
        }
        errors.check()?;
        Ok(draft)
    }

    /// `(field, value)` for every field, named as the page's form names them.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("rule_name", self.rule_name.clone()),
            ("severity", self.severity.clone()),
            ("labels", self.labels.clone()),
            ("starts_at", self.starts_at.clone()),
            ("ends_at", self.ends_at.clone()),
            ("duration", self.duration.clone()),
            ("comment", self.comment.clone()),
            ("end_when_resolved", self.end_when_resolved.clone().unwrap_or_default()),
        ]
    }

    /// The form from a URL's `silence[field]` parameters; `None` when it has none.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let field = |name: &str| get(&format!("silence[{name}]"));
        let form = SilenceForm {
            rule_name: field("rule_name").unwrap_or_default(),
            severity: field("severity").unwrap_or_default(),
            labels: field("labels").unwrap_or_default(),
            starts_at: field("starts_at").unwrap_or_default(),
            ends_at: field("ends_at").unwrap_or_default(),
            duration: field("duration").unwrap_or_default(),
            comment: field("comment").unwrap_or_default(),
            end_when_resolved: field("end_when_resolved").filter(|v| !v.is_empty()),
        };
        (form != SilenceForm::default()).then_some(form)
    }

    /// The form as `silence[field]=value` query parameters (empty ones left out).
    pub fn query(&self) -> String {
        self.fields()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("silence%5B{name}%5D={}", crate::url::percent_encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn time(field: &str, value: &str) -> Result<DateTime<Utc>, AppError> {
    crate::audit::filter::parse_time(value)
        .map(|(time, _)| time)
        .map_err(|_| AppError::validation(field, "Enter a time as YYYY-MM-DDTHH:MM (UTC)"))
}

/// `30m`, `2h`, `1d` or a sum such as `1h30m` (minutes, hours, days).
pub fn parse_duration(text: &str) -> Result<Duration, AppError> {
    let bad = || AppError::validation("duration", "Write a duration such as 30m, 2h, 1d or 1h30m");
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut total = Duration::zero();
    let mut digits = String::new();
    for c in compact.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let amount: i64 = digits.parse().ok().filter(|n| *n <= 100_000).ok_or_else(bad)?;
        digits.clear();
        total += match c.to_ascii_lowercase() {
            'm' => Duration::minutes(amount),
            'h' => Duration::hours(amount),
            'd' => Duration::days(amount),
            _ => return Err(bad()),
        };
    }
    if !digits.is_empty() || total <= Duration::zero() {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).single().expect("instant")
    }

    fn filled() -> SilenceForm {
        SilenceForm {
            rule_name: "Checkout slow".into(),
            duration: "2h".into(),
            comment: "Deploying the fix".into(),
            ..Default::default()
        }
    }

    fn field(result: Result<SilenceDraft, AppError>) -> String {
        match result {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_filled_form_parses_with_a_duration_or_an_end_time() {
        let draft = filled().parse(now()).expect("valid");
        assert_eq!(draft.starts_at, now());
        assert_eq!(draft.ends_at, now() + Duration::hours(2));
        assert_eq!(draft.rule_name.as_deref(), Some("Checkout slow"));
        assert_eq!(draft.severity, None);
        let form = SilenceForm {
            duration: String::new(),
            ends_at: "2026-12-01T08:30".into(),
            severity: "critical".into(),
            labels: "team=shop\n\n".into(),
            end_when_resolved: Some("on".into()),
            ..filled()
        };
        let draft = form.parse(now()).expect("valid");
        assert_eq!(
            draft.ends_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 8, 30, 0).single().expect("t")
        );
        assert_eq!(draft.severity, Some(Severity::Critical));
        assert_eq!(draft.labels.get("team").map(String::as_str), Some("shop"));
        assert!(draft.end_when_resolved);
    }

    #[test]
    fn durations_read_minutes_hours_days_and_sums() {
        assert_eq!(parse_duration("30m").ok(), Some(Duration::minutes(30)));
        assert_eq!(parse_duration(" 2h ").ok(), Some(Duration::hours(2)));
        assert_eq!(parse_duration("1d").ok(), Some(Duration::days(1)));
        assert_eq!(parse_duration("1h30m").ok(), Some(Duration::minutes(90)));
        for bad in ["", "2", "h", "2x", "0m", "-1h", "99999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, SilenceForm)> = vec![
            (
                "comment",
                SilenceForm {
                    comment: "  ".into(),
                    ..filled()
                },
            ),
            (
                "matchers",
                SilenceForm {
                    rule_name: String::new(),
                    ..filled()
                },
            ),
            (
                "labels",
                SilenceForm {
                    labels: "team".into(),
                    ..filled()
                },
            ),
            (
                "labels",
                SilenceForm {
                    labels: "bad key=x".into(),
                    ..filled()
                },
            ),
            (
                "severity",
                SilenceForm {
                    severity: "urgent".into(),
                    ..filled()
                },
            ),
            (
                "duration",
                SilenceForm {
                    duration: "soon".into(),
                    ..filled()
                },
            ),
            (
                "duration",
                SilenceForm {
                    duration: "31d".into(),
                    ..filled()
                },
            ),
            (
                "duration",
                SilenceForm {
                    duration: String::new(),
                    ..filled()
                },
            ),
            (
                "duration",
                SilenceForm {
                    ends_at: "2026-12-01T08:30".into(),
                    ..filled()
                },
            ),
            (
                "ends_at",
                SilenceForm {
                    duration: String::new(),
                    ends_at: "2026-11-30T11:00".into(),
                    ..filled()
                },
            ),
            (
                "ends_at",
                SilenceForm {
                    duration: String::new(),
                    starts_at: "2026-12-01T10:00".into(),
                    ends_at: "2026-12-01T09:00".into(),
                    ..filled()
                },
            ),
            (
                "starts_at",
                SilenceForm {
                    starts_at: "tomorrow".into(),
                    ..filled()
                },
            ),
        ];
        for (expected, form) in cases {
            assert_eq!(field(form.parse(now())), expected, "{form:?}");
        }
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let form = SilenceForm {
            rule_name: String::new(),
            severity: "urgent".into(),
            labels: "team".into(),
            starts_at: "tomorrow".into(),
            duration: "soon".into(),
            comment: " ".into(),
            ..Default::default()
        };
        let Err(AppError::Fields(errors)) = form.parse(now()) else {
            panic!("several fields refused");
        };
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| f.as_str()).collect();
        // In the form's order, so the first one is the first refused field on the page.
        assert_eq!(fields, ["severity", "labels", "starts_at", "duration", "comment"]);

        // An end before the start, beside the field it was given in, with the comment's.
        let form = SilenceForm {
            duration: String::new(),
            ends_at: "2026-11-30T11:00".into(),
            comment: String::new(),
            ..filled()
        };
        let Err(AppError::Fields(errors)) = form.parse(now()) else {
            panic!("two fields refused");
        };
        assert_eq!(errors.get("ends_at"), Some("Must be after the start"));
        assert_eq!(errors.get("comment"), Some("Required"));
    }

    #[test]
    fn the_form_survives_a_trip_through_the_url() {
        let form = SilenceForm {
            labels: "team=shop\nenv=prod".into(),
            end_when_resolved: Some("on".into()),
            ..filled()
        };
        let query = form.query();
        let pairs = crate::url::query_pairs(&query);
        let back = SilenceForm::from_query(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("has fields");
        assert_eq!(back, form);
        assert!(SilenceForm::from_query(|_| None).is_none());
    }
}
