//! Silences: for a while, alerts whose rule matches keep their state and
//! history but send nothing. A silence matches on a rule's exact name, its
//! severity and its labels (each given label must equal the rule's); it
//! needs at least one of them. The create form, which parses into a
//! [`SilenceDraft`], is in `silence_form.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::rule::{RuleDraft, labels, text};
use super::{Severity, SilenceEnd};
use crate::error::{AppError, FieldErrors};

/// The longest a silence may last.
pub const MAX_SILENCE_DAYS: i64 = 30;

/// How many silences that are over the Silences page lists.
pub const RECENTLY_ENDED: i64 = 50;

/// What a silence matches and for how long: what is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SilenceDraft {
    /// A rule's exact name.
    pub rule_name: Option<String>,
    pub severity: Option<Severity>,
    /// Labels the rule must carry with these values (all of them).
    pub labels: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Why: required, shown beside the silence.
    pub comment: String,
    /// End the silence once every alert it matched has resolved.
    pub end_when_resolved: bool,
}

/// A stored silence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: i64,
    pub draft: SilenceDraft,
    /// The creator's email; `None` when created from the command line.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub end_reason: Option<SilenceEnd>,
    /// Names of the rules it matched while they were pending or firing.
    pub matched: Vec<String>,
}

impl SilenceDraft {
    /// Whether this silence covers `rule`'s alerts.
    pub fn matches(&self, rule: &RuleDraft) -> bool {
        self.rule_name.as_ref().is_none_or(|name| *name == rule.name)
            && self.severity.is_none_or(|severity| severity == rule.severity)
            && self
                .labels
                .iter()
                .all(|(key, value)| rule.labels.get(key) == Some(value))
    }

    /// "rule = Checkout slow, severity = critical, team = shop".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.rule_name {
            parts.push(format!("rule = {name}"));
        }
        if let Some(severity) = self.severity {
            parts.push(format!("severity = {}", severity.as_str()));
        }
        parts.extend(self.labels.iter().map(|(k, v)| format!("{k} = {v}")));
        parts.join(", ")
    }

    /// Checks every field; the error names every wrong one (`AppError::Fields`
    /// when more than one is).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut errors = FieldErrors::default();
        if let Some(name) = &self.rule_name {
            errors.take(text("rule_name", name, 1, 120));
        }
        errors.take(labels("labels", &self.labels));
        if self.rule_name.is_none() && self.severity.is_none() && self.labels.is_empty() {
            errors.note(AppError::validation(
                "matchers",
                "Match at least a rule name, a severity or a label",
            ));
        }
        errors.take(self.check_end(now));
        errors.take(text("comment", &self.comment, 1, 1000));
        errors.check()
    }

    /// The end's problem, if it has one.
    fn check_end(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.ends_at <= self.starts_at {
            return Err(AppError::validation("ends_at", "Must be after the start"));
        }
        if self.ends_at <= now {
            return Err(AppError::validation("ends_at", "Must be in the future"));
        }
        if self.ends_at - self.starts_at > Duration::days(MAX_SILENCE_DAYS) {
            return Err(AppError::validation(
                "ends_at",
                format!("A silence lasts at most {MAX_SILENCE_DAYS} days"),
            ));
        }
        Ok(())
    }
}

impl Silence {
    pub fn matches(&self, rule: &RuleDraft) -> bool {
        self.draft.matches(rule)
    }

    /// In force at `at`: started, not expired, not ended.
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.ended_at.is_none() && self.draft.starts_at <= at && at < self.draft.ends_at
    }

    /// When it stopped (or stops) applying.
    pub fn over_at(&self) -> DateTime<Utc> {
        self.ended_at.unwrap_or(self.draft.ends_at)
    }
}

/// The Silences page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SilencesPage {
    /// In force or still to start, soonest to expire first.
    pub active: Vec<Silence>,
    /// Ended or expired, most recent first.
    pub ended: Vec<Silence>,
    /// Every rule's name, for the form's suggestions.
    pub rules: Vec<String>,
    pub can_edit: bool,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).single().expect("instant")
    }

    fn rule(name: &str, severity: Severity, labels: &[(&str, &str)]) -> RuleDraft {
        RuleDraft {
            name: name.into(),
            severity,
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..crate::alerts::rule::tests::draft()
        }
    }

    fn silence(name: Option<&str>, severity: Option<Severity>, labels: &[(&str, &str)]) -> SilenceDraft {
        SilenceDraft {
            rule_name: name.map(String::from),
            severity,
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            starts_at: now(),
            ends_at: now() + Duration::hours(2),
            comment: "maintenance".into(),
            end_when_resolved: false,
        }
    }

    #[test]
    fn every_given_matcher_must_hold() {
        let shop = rule(
            "Checkout slow",
            Severity::Critical,
            &[("team", "shop"), ("env", "prod")],
        );
        assert!(silence(Some("Checkout slow"), None, &[]).matches(&shop));
        assert!(
            !silence(Some("Checkout"), None, &[]).matches(&shop),
            "names match exactly"
        );
        assert!(silence(None, Some(Severity::Critical), &[]).matches(&shop));
        assert!(!silence(None, Some(Severity::Warning), &[]).matches(&shop));
        assert!(silence(None, None, &[("team", "shop")]).matches(&shop));
        assert!(!silence(None, None, &[("team", "pay")]).matches(&shop));
        assert!(
            !silence(None, None, &[("region", "eu")]).matches(&shop),
            "a missing label"
        );
        assert!(silence(Some("Checkout slow"), Some(Severity::Critical), &[("env", "prod")]).matches(&shop));
        assert!(!silence(Some("Checkout slow"), Some(Severity::Info), &[("env", "prod")]).matches(&shop));
    }

    #[test]
    fn a_silence_is_active_from_its_start_until_it_ends_or_expires() {
        let mut s = Silence {
            id: 1,
            draft: silence(Some("x"), None, &[]),
            created_by: None,
            created_at: now(),
            ended_at: None,
            ended_by: None,
            end_reason: None,
            matched: Vec::new(),
        };
        assert!(!s.is_active(now() - Duration::seconds(1)), "not started");
        assert!(s.is_active(now()));
        assert!(s.is_active(now() + Duration::minutes(119)));
        assert!(!s.is_active(now() + Duration::hours(2)), "expired");
        s.ended_at = Some(now() + Duration::minutes(5));
        assert!(!s.is_active(now() + Duration::minutes(10)), "ended");
    }
}
