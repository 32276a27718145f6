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
    /// Error event rules: the issue's number, as typed (empty: the service's events).
    pub error_issue: String,
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
            error_issue: draft.error_issue.map(|id| id.to_string()).unwrap_or_default(),
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
        // (a log or error rule's endpoint, metric and matchers; any other
        // rule's log query or issue): what they still hold is left out, not refused.
        let counts = aggregation.is_some_and(Aggregation::counts);
        let logs = aggregation.is_some_and(Aggregation::reads_logs);
        let unless = |hidden: bool, value: &str| if hidden { String::new() } else { value.to_string() };
        let matchers = errors.take(pairs("matchers", &unless(counts, &self.matchers)));
        let issue_shown = aggregation.is_none_or(|a| a == Aggregation::ErrorEvents);
        let error_issue = errors.take(match unless(!issue_shown, &self.error_issue).trim() {
            "" => Ok(None),
            text => text
                .trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Some)
                .ok_or_else(|| {
                    AppError::validation("error_issue", "An issue's number, as on the Errors page (e.g. 42)")
                }),
        });
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
            endpoint: optional(&unless(counts, &self.endpoint)),
            metric: optional(&unless(counts, &self.metric)),
            matchers: matchers.unwrap_or_default(),
            log_query: optional(&unless(!logs && aggregation.is_some(), &self.log_query)),
            error_issue: error_issue.flatten(),
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
            ("error_issue", self.error_issue.clone()),
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
            error_issue: text("error_issue"),
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
mod tests;
