//! The rule editor's form: every field as typed (so a failed save loses
//! nothing), parsed into a [`RuleDraft`] with a message per field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rule::{RuleDraft, format_value, reads_stand_in};
use super::{Aggregation, Comparator, NoDataPolicy, Severity};
use crate::error::{AppError, FieldErrors};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub name: String,
    pub description: String,
    pub service: String,
    pub endpoint: String,
    pub metric: String,
    /// `name=value`, one per line.
    pub matchers: String,
    /// Log rules: the query, as typed.
    pub log_query: String,
    pub aggregation: String,
    pub window_minutes: String,
    pub comparator: String,
    pub threshold: String,
    pub recovery_threshold: String,
    pub for_minutes: String,
    pub no_data: String,
    pub severity: String,
    /// `name=value`, one per line.
    pub labels: String,
    pub summary: String,
    /// Channel names separated by commas or spaces.
    pub channels: String,
    /// A checkbox: present when checked.
    pub enabled: Option<String>,
}

impl RuleForm {
    /// A new rule's starting point.
    pub fn blank() -> Self {
        RuleForm {
            aggregation: Aggregation::P95.as_str().into(),
            window_minutes: "5".into(),
            comparator: Comparator::Gt.as_str().into(),
            for_minutes: "2".into(),
            no_data: NoDataPolicy::Keep.as_str().into(),
            severity: Severity::Warning.as_str().into(),
            // A new rule evaluates once saved, as people expect; the editor says so.
            enabled: Some("on".into()),
            ..Default::default()
        }
    }

    pub fn from_draft(draft: &RuleDraft) -> Self {
        RuleForm {
            name: draft.name.clone(),
            description: draft.description.clone(),
            service: draft.service.clone(),
            endpoint: draft.endpoint.clone().unwrap_or_default(),
            metric: draft.metric.clone().unwrap_or_default(),
            matchers: pairs_text(&draft.matchers),
            log_query: draft.log_query.clone().unwrap_or_default(),
            aggregation: draft.aggregation.as_str().into(),
            window_minutes: (draft.window_secs / 60).to_string(),
            comparator: draft.comparator.as_str().into(),
            threshold: format_value(draft.threshold),
            recovery_threshold: draft.recovery_threshold.map(format_value).unwrap_or_default(),
            for_minutes: format_value(draft.for_secs as f64 / 60.0),
            no_data: draft.no_data.as_str().into(),
            severity: draft.severity.as_str().into(),
            labels: pairs_text(&draft.labels),
            summary: draft.summary.clone(),
            channels: draft.channels.join(", "),
            enabled: draft.enabled.then(|| "on".to_string()),
        }
    }

    /// The draft this form describes, validated; errors name the field.
    pub fn parse(&self) -> Result<RuleDraft, AppError> {
        // Every field is read, so the form shows all its problems at once.
        let mut errors = FieldErrors::default();
        let word = |field: &str, value: &str| -> Result<String, AppError> {
            let value = value.trim();
            if value.is_empty() {
                Err(AppError::validation(field, "Choose one"))
            } else {
                Ok(value.to_string())
            }
        };
        let aggregation = errors.take(word("aggregation", &self.aggregation).and_then(|w| {
            Aggregation::parse(&w)
                .ok_or_else(|| AppError::validation("aggregation", "Choose one of the listed aggregations"))
        }));
        let comparator = errors.take(word("comparator", &self.comparator).and_then(|w| {
            Comparator::parse(&w).ok_or_else(|| AppError::validation("comparator", "Choose >, >=, < or <="))
        }));
        let no_data = errors.take(word("no_data", &self.no_data).and_then(|w| {
            NoDataPolicy::parse(&w).ok_or_else(|| AppError::validation("no_data", "Choose keep, alert or ok"))
        }));
        let severity = errors.take(word("severity", &self.severity).and_then(|w| {
            Severity::parse(&w).ok_or_else(|| AppError::validation("severity", "Choose critical, warning or info"))
        }));
        let window_minutes = errors.take(number("window_secs", &self.window_minutes).and_then(|minutes| {
            if minutes.fract() == 0.0 {
                Ok(minutes)
            } else {
                Err(AppError::validation("window_secs", "A whole number of minutes"))
            }
        }));
        let for_minutes = errors.take(number("for_secs", &self.for_minutes));
        // The editor hides the fields the chosen aggregation does not read
        // (a log rule's endpoint, metric and matchers; any other rule's log
        // query): what they still hold is left out, not refused.
        let logs = aggregation.is_some_and(Aggregation::reads_logs);
        let unless = |hidden: bool, value: &str| if hidden { String::new() } else { value.to_string() };
        let matchers = errors.take(pairs("matchers", &unless(logs, &self.matchers)));
        let threshold = errors.take(number("threshold", &self.threshold));
        let recovery_threshold = errors.take(match self.recovery_threshold.trim() {
            "" => Ok(None),
            text => number("recovery_threshold", text).map(Some),
        });
        let labels = errors.take(pairs("labels", &self.labels));
        // A field that did not read takes a valid stand-in, so the rest are
        // still checked; its own message is the one shown.
        let draft = RuleDraft {
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            service: self.service.trim().to_string(),
            endpoint: optional(&unless(logs, &self.endpoint)),
            metric: optional(&unless(logs, &self.metric)),
            matchers: matchers.unwrap_or_default(),
            log_query: optional(&unless(!logs && aggregation.is_some(), &self.log_query)),
            aggregation: aggregation.unwrap_or(Aggregation::P95),
            window_secs: window_minutes.map_or(300, |m| (m * 60.0) as i64),
            comparator: comparator.unwrap_or(Comparator::Gt),
            threshold: threshold.unwrap_or_default(),
            recovery_threshold: recovery_threshold.flatten(),
            for_secs: for_minutes.map_or(0, |m| (m * 60.0).round() as i64),
            no_data: no_data.unwrap_or(NoDataPolicy::Keep),
            severity: severity.unwrap_or(Severity::Warning),
            labels: labels.unwrap_or_default(),
            summary: self.summary.trim().to_string(),
            channels: self
                .channels
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|name| !name.is_empty())
                .map(String::from)
                .collect(),
            enabled: self.enabled.is_some(),
        };
        if let Err(more) = draft.validate() {
            let more: Vec<_> = FieldErrors::from(more)
                .0
                .into_iter()
                .filter(|(field, _)| !reads_stand_in(field, &errors))
                .collect();
            for (field, message) in more {
                errors.push(field, message);
            }
        }
        errors.check()?;
        Ok(draft)
    }
}

impl RuleForm {
    /// `(field, value)` for every field, named as the editor's form names them.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("description", self.description.clone()),
            ("service", self.service.clone()),
            ("endpoint", self.endpoint.clone()),
            ("metric", self.metric.clone()),
            ("matchers", self.matchers.clone()),
            ("log_query", self.log_query.clone()),
            ("aggregation", self.aggregation.clone()),
            ("window_minutes", self.window_minutes.clone()),
            ("comparator", self.comparator.clone()),
            ("threshold", self.threshold.clone()),
            ("recovery_threshold", self.recovery_threshold.clone()),
            ("for_minutes", self.for_minutes.clone()),
            ("no_data", self.no_data.clone()),
            ("severity", self.severity.clone()),
            ("labels", self.labels.clone()),
            ("summary", self.summary.clone()),
            ("channels", self.channels.clone()),
            ("enabled", self.enabled.clone().unwrap_or_default()),
        ]
    }

    /// The form from a URL's `rule[field]` parameters; `None` when it has none.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let field = |name: &str| get(&format!("rule[{name}]"));
        field("name")?;
        let text = |name: &str| field(name).unwrap_or_default();
        Some(RuleForm {
            name: text("name"),
            description: text("description"),
            service: text("service"),
            endpoint: text("endpoint"),
            metric: text("metric"),
            matchers: text("matchers"),
            log_query: text("log_query"),
            aggregation: text("aggregation"),
            window_minutes: text("window_minutes"),
            comparator: text("comparator"),
            threshold: text("threshold"),
            recovery_threshold: text("recovery_threshold"),
            for_minutes: text("for_minutes"),
            no_data: text("no_data"),
            severity: text("severity"),
            labels: text("labels"),
            summary: text("summary"),
            channels: text("channels"),
            enabled: field("enabled").filter(|v| !v.is_empty()),
        })
    }

    /// The form as `rule[field]=value` query parameters (empty ones left out).
    pub fn query(&self) -> String {
        self.fields()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("rule%5B{name}%5D={}", crate::url::percent_encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn number(field: &str, value: &str) -> Result<f64, AppError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| AppError::validation(field, "Enter a number"))
}

fn pairs_text(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name=value` lines (blank lines ignored) into a map.
pub(crate) fn pairs(field: &str, text: &str) -> Result<BTreeMap<String, String>, AppError> {
    let mut map = BTreeMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| AppError::validation(field, format!("Line {}: write name=value", n + 1)))?;
        if map.insert(key.trim().to_string(), value.trim().to_string()).is_some() {
            return Err(AppError::validation(
                field,
                format!("Line {}: {} is repeated", n + 1, key.trim()),
            ));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> RuleForm {
        RuleForm {
            name: "Checkout slow".into(),
            service: "checkout".into(),
            threshold: "500".into(),
            recovery_threshold: "400".into(),
            labels: "team=shop\n\n".into(),
            channels: "ops, pager".into(),
            enabled: Some("on".into()),
            ..RuleForm::blank()
        }
    }

    #[test]
    fn a_filled_form_parses_and_round_trips() {
        let draft = filled().parse().expect("valid");
        assert_eq!(draft.window_secs, 300);
        assert_eq!(draft.for_secs, 120);
        assert_eq!(draft.labels.get("team").map(String::as_str), Some("shop"));
        assert!(draft.enabled);
        assert_eq!(RuleForm::from_draft(&draft).parse().expect("again"), draft);
    }

    #[test]
    fn the_form_survives_a_trip_through_the_url() {
        let form = filled();
        let query = form.query();
        let pairs = crate::url::query_pairs(&query);
        let back = RuleForm::from_query(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("has fields");
        assert_eq!(back.parse().expect("valid"), form.parse().expect("valid"));
        assert!(RuleForm::from_query(|_| None).is_none());
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |form: RuleForm| match form.parse() {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(RuleForm {
                threshold: "lots".into(),
                ..filled()
            }),
            "threshold"
        );
        assert_eq!(
            field(RuleForm {
                window_minutes: "2.5".into(),
                ..filled()
            }),
            "window_secs"
        );
        assert_eq!(
            field(RuleForm {
                labels: "team".into(),
                ..filled()
            }),
            "labels"
        );
        assert_eq!(
            field(RuleForm {
                aggregation: "median".into(),
                ..filled()
            }),
            "aggregation"
        );
        assert_eq!(
            field(RuleForm {
                name: String::new(),
                ..filled()
            }),
            "name"
        );
    }

    #[test]
    fn a_log_rule_keeps_its_query_and_ignores_the_fields_the_editor_hides() {
        let log = RuleForm {
            aggregation: "log_lines".into(),
            log_query: r#" level>=error "card declined" "#.into(),
            endpoint: "/pay".into(),
            metric: "cpu".into(),
            matchers: "not a pair".into(),
            comparator: ">".into(),
            threshold: "10".into(),
            recovery_threshold: String::new(),
            ..filled()
        };
        let draft = log.parse().expect("valid");
        assert_eq!(draft.log_query.as_deref(), Some(r#"level>=error "card declined""#));
        assert_eq!((draft.endpoint, draft.metric, draft.matchers.len()), (None, None, 0));
        // Back to a request rule: the hidden query is left out.
        let p95 = RuleForm {
            log_query: "timeout".into(),
            ..filled()
        };
        assert_eq!(p95.parse().expect("valid").log_query, None);
        // A query that does not read is refused with the parser's position.
        let bad = RuleForm {
            log_query: "timeout level>=loud".into(),
            ..log
        };
        match bad.parse() {
            Err(AppError::Validation { field, message }) => {
                assert_eq!(field, "log_query");
                assert!(
                    message.ends_with("unknown level \"loud\" (trace, debug, info, warn, error, fatal) at 15"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
