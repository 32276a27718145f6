//! An alert rule as people write it: a flat definition (the same shape is
//! stored for every version and exported as YAML), its validation with a
//! message per field, and the condition the evaluator tracks.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::Thresholds;
use super::{Aggregation, AlertState, Comparator, Condition, NoDataPolicy, Severity, Watched};
use crate::error::{AppError, FieldErrors};

/// Most labels (and label matchers) a rule may carry.
pub const MAX_LABELS: usize = 20;

/// Most notification channels one rule may notify.
pub const MAX_CHANNELS: usize = 10;

/// A rule's definition: what is saved, versioned, diffed and exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub service: String,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub matchers: BTreeMap<String, String>,
    /// Log rules (`log_lines`): which lines of the service count, in the
    /// Logs page's query language; `None` counts every line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_query: Option<String>,
    /// Error rules (`error_events`): one issue's events; `None` counts the service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_issue: Option<i64>,
    pub aggregation: Aggregation,
    pub window_secs: i64,
    pub comparator: Comparator,
    pub threshold: f64,
    #[serde(default)]
    pub recovery_threshold: Option<f64>,
    #[serde(default)]
    pub for_secs: i64,
    pub no_data: NoDataPolicy,
    pub severity: Severity,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub summary: String,
    /// The notification channels (by name) told when the alert fires and resolves.
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub enabled: bool,
}

/// A stored rule with its current state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub version: i32,
    pub draft: RuleDraft,
    pub updated_at: DateTime<Utc>,
    pub state: Option<RuleStatus>,
}

/// Where the evaluator has a rule now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleStatus {
    pub state: AlertState,
    pub since: DateTime<Utc>,
    pub value: Option<f64>,
    pub evaluated_at: DateTime<Utc>,
    /// Who acknowledged the current firing alert, and when.
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl RuleDraft {
    pub fn condition(&self) -> Condition {
        Condition {
            watched: Watched {
                service: self.service.clone(),
                endpoint: self.endpoint.clone(),
                metric: self.metric.clone(),
                matchers: self.matchers.clone(),
                log_query: self.log_query.clone(),
                error_issue: self.error_issue,
                aggregation: self.aggregation,
                window_secs: self.window_secs,
            },
            thresholds: Thresholds {
                comparator: self.comparator,
                threshold: self.threshold,
                recovery: self.recovery_threshold,
                for_secs: self.for_secs,
                no_data: self.no_data,
            },
        }
    }

    /// Checks every field; the error names every wrong one (`AppError::Fields`
    /// when more than one is).
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = FieldErrors::default();
        errors.take(text("name", &self.name, 1, 120));
        errors.take(text("description", &self.description, 0, 2000));
        errors.take(text("service", &self.service, 1, 200));
        if let Some(endpoint) = &self.endpoint {
            errors.take(text("endpoint", endpoint, 1, 200));
        }
        self.watched_fields().into_iter().for_each(|e| errors.note(e));
        errors.take(labels("matchers", &self.matchers));
        if self.aggregation.reads_slo() {
            errors.take(burn_window(self.window_secs));
        } else if !(60..=86_400).contains(&self.window_secs) || self.window_secs % 60 != 0 {
            errors.note(AppError::validation(
                "window_secs",
                "A whole number of minutes from 1 minute to 24 hours",
            ));
        }
        if !self.threshold.is_finite() {
            errors.note(AppError::validation("threshold", "Enter a number"));
        }
        if let Some(recovery) = self.recovery_threshold {
            if !recovery.is_finite() {
                errors.note(AppError::validation(
                    "recovery_threshold",
                    "Enter a number or leave empty",
                ));
            }
            // The recovery threshold lies on the good side of the threshold.
            if self.comparator.holds(recovery, self.threshold) && recovery != self.threshold {
                errors.note(AppError::validation(
                    "recovery_threshold",
                    format!(
                        "Must be on the resolved side of the threshold (the alert fires when the value is {} {})",
                        self.comparator.as_str(),
                        self.threshold
                    ),
                ));
            }
        }
        if !(0..=86_400).contains(&self.for_secs) {
            errors.note(AppError::validation("for_secs", "From 0 seconds to 24 hours"));
        }
        errors.take(labels("labels", &self.labels));
        errors.take(text("summary", &self.summary, 0, 500));
        if self.channels.len() > MAX_CHANNELS {
            errors.note(AppError::validation("channels", format!("At most {MAX_CHANNELS}")));
        }
        for (n, name) in self.channels.iter().enumerate() {
            if !super::notify::is_channel_name(name) {
                errors.note(AppError::validation(
                    "channels",
                    format!("{name:?} is not a channel name (lowercase letters, digits, '_', '.', '-')"),
                ));
            }
            if self.channels[..n].contains(name) {
                errors.note(AppError::validation("channels", format!("{name} is named twice")));
            }
        }
        errors.check()
    }

    /// The checks of what the rule watches that depend on its aggregation:
    /// a metric for metric rules only, an endpoint for request rules only,
    /// label matchers for metric rules only, a log query (that parses) for
    /// log rules only, an issue for error event rules only.
    fn watched_fields(&self) -> Vec<AppError> {
        let refuse = AppError::validation;
        let aggregation = self.aggregation;
        let mut refused = Vec::new();
        if aggregation.reads_metric() {
            refused.extend(
                match &self.metric {
                    None => Err(refuse("metric", "Name the metric this rule watches")),
                    Some(metric) => text("metric", metric, 1, 200),
                }
                .err(),
            );
        } else if self.metric.is_some() {
            refused.push(refuse("metric", "Leave empty: only metric rules name a metric"));
        }
        if !aggregation.reads_requests() && self.endpoint.is_some() {
            refused.push(refuse("endpoint", "Endpoints apply to request rules only"));
        }
        if aggregation.reads_slo() {
            refused.extend(slo_matcher(&self.matchers).err());
        } else if !aggregation.reads_metric() && !self.matchers.is_empty() {
            refused.push(refuse("matchers", "Label matchers apply to metric rules only"));
        }
        match (&self.log_query, aggregation.reads_logs()) {
            (Some(query), true) => refused.extend(log_query(query).err()),
            (Some(_), false) => refused.push(refuse(
                "log_query",
                "A log query applies to log rules only (aggregation: Matching log lines)",
            )),
            (None, _) => {}
        }
        match self.error_issue {
            Some(_) if aggregation != Aggregation::ErrorEvents => refused.push(refuse(
                "error_issue",
                "An issue applies to error event rules only (aggregation: Error events)",
            )),
            Some(issue) if issue < 1 => refused.push(refuse("error_issue", "An issue's number (1 or more)")),
            _ => {}
        }
        refused
    }

    /// The summary with `{{value}}`, `{{threshold}}` and `{{labels.NAME}}` filled in.
    pub fn render_summary(&self, value: Option<f64>) -> String {
        let template = if self.summary.is_empty() {
            "{{name}}: {{value}} (threshold {{threshold}})"
        } else {
            &self.summary
        };
        let mut out = template
            .replace("{{name}}", &self.name)
            .replace("{{value}}", &value.map_or_else(|| "no data".to_string(), format_value))
            .replace("{{threshold}}", &format_value(self.threshold));
        for (key, label) in &self.labels {
            out = out.replace(&format!("{{{{labels.{key}}}}}"), label);
        }
        out
    }
}

/// Whether [`RuleDraft::validate`]'s check of `field` reads a field that
/// `refused` already refuses (and so holds a stand-in): its message would
/// only mislead.
pub(crate) fn reads_stand_in(field: &str, refused: &FieldErrors) -> bool {
    match field {
        "recovery_threshold" => refused.get("threshold").is_some() || refused.get("comparator").is_some(),
        "metric" | "matchers" | "endpoint" | "log_query" | "error_issue" => refused.get("aggregation").is_some(),
        _ => false,
    }
}

/// The longest window of a burn-rate rule: the SRE Workbook's ticket pair's 3 days.
pub const MAX_BURN_WINDOW_SECS: i64 = 3 * 86_400;

/// A burn-rate rule's window: whole multiples of 12 minutes (its short
/// window, a twelfth, is whole minutes) up to 3 days.
fn burn_window(window_secs: i64) -> Result<(), AppError> {
    if (720..=MAX_BURN_WINDOW_SECS).contains(&window_secs) && window_secs % 720 == 0 {
        Ok(())
    } else {
        Err(AppError::validation(
            "window_secs",
            "A burn-rate rule's window is a multiple of 12 minutes (its short window is a twelfth) up to 3 days",
        ))
    }
}

/// The SLO a burn-rate rule watches: its one label matcher, `slo=<id>`.
pub fn slo_of(matchers: &BTreeMap<String, String>) -> Option<i64> {
    match (matchers.len(), matchers.get("slo")) {
        (1, Some(id)) => id.trim().parse().ok().filter(|id| *id > 0),
        _ => None,
    }
}

fn slo_matcher(matchers: &BTreeMap<String, String>) -> Result<(), AppError> {
    slo_of(matchers).map(drop).ok_or_else(|| {
        AppError::validation(
            "matchers",
            "A burn-rate rule names its SLO, and only that: slo=<the SLO's number>",
        )
    })
}

/// A value as people read it: at most two decimals, no trailing zeros.
pub fn format_value(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

pub(crate) fn text(field: &str, value: &str, min: usize, max: usize) -> Result<(), AppError> {
    let length = value.chars().count();
    if value.trim().len() < min {
        return Err(AppError::validation(field, "Required"));
    }
    if length > max {
        return Err(AppError::validation(field, format!("At most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::validation(field, "No control characters"));
    }
    Ok(())
}

/// A log rule's query: it must read as the Logs page reads it; the message
/// names the position (a byte offset) where it went wrong.
fn log_query(query: &str) -> Result<(), AppError> {
    crate::logs::query::Query::parse(query)
        .map(drop)
        .map_err(|error| AppError::validation("log_query", format!("This query cannot be read: {error}")))
}

pub(crate) fn labels(field: &str, labels: &BTreeMap<String, String>) -> Result<(), AppError> {
    if labels.len() > MAX_LABELS {
        return Err(AppError::validation(field, format!("At most {MAX_LABELS}")));
    }
    for (key, value) in labels {
        let good_key = !key.is_empty()
            && key.len() <= 64
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        if !good_key {
            return Err(AppError::validation(
                field,
                format!("{key:?}: names are 1–64 letters, digits, '_', '.' or '-'"),
            ));
        }
        if value.chars().count() > 200 || value.chars().any(char::is_control) {
            return Err(AppError::validation(
                field,
                format!("{key}: values are at most 200 characters"),
            ));
        }
    }
    Ok(())
}

/// One saved version of a rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredVersion {
    pub version: i32,
    pub definition: RuleDraft,
    pub saved_by: Option<String>,
    pub saved_at: DateTime<Utc>,
}

/// A stored alert event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub at: DateTime<Utc>,
    pub from: AlertState,
    pub to: AlertState,
    pub value: Option<f64>,
    pub threshold: f64,
    pub severity: Severity,
    /// What the rule watches now (for links to its chart).
    pub service: String,
    pub endpoint: Option<String>,
    pub aggregation: Aggregation,
    /// A log rule's query now (its events link to the matching lines).
    #[serde(default)]
    pub log_query: Option<String>,
    /// An error rule's issue now (its events link to the issue).
    #[serde(default)]
    pub error_issue: Option<i64>,
    /// The silence in force when it happened (it sent nothing).
    #[serde(default)]
    pub silence_id: Option<i64>,
}

#[cfg(test)]
pub(crate) mod tests;
