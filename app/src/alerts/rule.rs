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
        if self.aggregation.reads_requests() {
            if self.metric.is_some() {
                errors.note(AppError::validation(
                    "metric",
                    "Leave empty for a latency, throughput or error-rate rule",
                ));
            }
            if !self.matchers.is_empty() {
                errors.note(AppError::validation(
                    "matchers",
                    "Label matchers apply to metric rules only",
                ));
            }
        } else {
            match &self.metric {
                None => errors.note(AppError::validation("metric", "Name the metric this rule watches")),
                Some(metric) => {
                    errors.take(text("metric", metric, 1, 200));
                }
            }
            if self.endpoint.is_some() {
                errors.note(AppError::validation(
                    "endpoint",
                    "Endpoints apply to request rules only",
                ));
            }
        }
        errors.take(labels("matchers", &self.matchers));
        if !(60..=86_400).contains(&self.window_secs) || self.window_secs % 60 != 0 {
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
        "metric" | "matchers" | "endpoint" => refused.get("aggregation").is_some(),
        _ => false,
    }
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
    /// The silence in force when it happened (it sent nothing).
    #[serde(default)]
    pub silence_id: Option<i64>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid rule for tests across the crate.
    pub fn draft() -> RuleDraft {
        RuleDraft {
            name: "Checkout slow".into(),
            description: String::new(),
            service: "checkout".into(),
            endpoint: None,
            metric: None,
            matchers: BTreeMap::new(),
            aggregation: Aggregation::P95,
            window_secs: 300,
            comparator: Comparator::Gt,
            threshold: 500.0,
            recovery_threshold: Some(400.0),
            for_secs: 120,
            no_data: NoDataPolicy::Keep,
            severity: Severity::Warning,
            labels: BTreeMap::from([("team".to_string(), "shop".to_string())]),
            summary: "P95 {{value}} ms over {{threshold}} ms for {{labels.team}}".into(),
            channels: vec!["ops".into()],
            enabled: true,
        }
    }

    /// The fields `result` refuses.
    fn fields_of(result: Result<(), AppError>) -> Vec<String> {
        match result {
            Ok(()) => Vec::new(),
            Err(error) => FieldErrors::from(error).0.into_iter().map(|(field, _)| field).collect(),
        }
    }

    #[test]
    fn a_good_rule_passes_and_bad_fields_are_named() {
        assert!(draft().validate().is_ok());
        type Change = Box<dyn Fn(&mut RuleDraft)>;
        let cases: Vec<(&str, Change)> = vec![
            ("name", Box::new(|d| d.name = "  ".into())),
            ("service", Box::new(|d| d.service = String::new())),
            ("metric", Box::new(|d| d.metric = Some("cpu".into()))),
            ("window_secs", Box::new(|d| d.window_secs = 90)),
            ("threshold", Box::new(|d| d.threshold = f64::NAN)),
            ("recovery_threshold", Box::new(|d| d.recovery_threshold = Some(600.0))),
            ("for_secs", Box::new(|d| d.for_secs = -1)),
            ("channels", Box::new(|d| d.channels = vec!["Ops Team".into()])),
            ("channels", Box::new(|d| d.channels = vec!["ops".into(), "ops".into()])),
            (
                "labels",
                Box::new(|d| d.labels = BTreeMap::from([("bad key".into(), "x".into())])),
            ),
            (
                "metric",
                Box::new(|d| {
                    d.aggregation = Aggregation::MetricMax;
                }),
            ),
        ];
        for (field, change) in cases {
            let mut d = draft();
            change(&mut d);
            assert!(fields_of(d.validate()).contains(&field.to_string()), "{d:?}");
        }
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let mut d = draft();
        d.name = String::new();
        d.threshold = f64::NAN;
        d.channels = vec!["Ops Team".into()];
        assert_eq!(fields_of(d.validate()), ["name", "threshold", "channels"]);
    }

    #[test]
    fn the_summary_fills_in_value_threshold_and_labels() {
        assert_eq!(
            draft().render_summary(Some(612.345)),
            "P95 612.35 ms over 500 ms for shop"
        );
        assert_eq!(draft().render_summary(None), "P95 no data ms over 500 ms for shop");
    }

    #[test]
    fn the_stored_shape_is_flat_words() {
        let json = serde_json::to_value(draft()).expect("serialises");
        assert_eq!(json["aggregation"], "p95");
        assert_eq!(json["comparator"], ">");
        assert_eq!(json["no_data"], "keep");
        let back: RuleDraft = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, draft());
    }
}
