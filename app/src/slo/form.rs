//! The SLO editor's form: every field as typed (a refused save loses
//! nothing), parsed into an [`SloDraft`] with a message per field.

use serde::{Deserialize, Serialize};

use super::{SloDraft, SloKind, SloWindow, statuses};
use crate::alerts::rule::format_value;
use crate::error::{AppError, FieldErrors};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SloForm {
    pub name: String,
    pub description: String,
    pub service: String,
    pub endpoint: String,
    pub kind: String,
    /// Availability: good statuses ("200-399, 404"); empty: not 5xx.
    pub good_statuses: String,
    /// Latency: the threshold in ms.
    pub threshold_ms: String,
    /// Percent.
    pub objective: String,
    pub window: String,
}

impl SloForm {
    /// A new SLO's starting point.
    pub fn blank() -> Self {
        SloForm {
            kind: SloKind::Availability.as_str().into(),
            objective: "99.9".into(),
            window: SloWindow::Rolling30.as_str().into(),
            ..Default::default()
        }
    }

    pub fn from_draft(draft: &SloDraft) -> Self {
        SloForm {
            name: draft.name.clone(),
            description: draft.description.clone(),
            service: draft.service.clone(),
            endpoint: draft.endpoint.clone().unwrap_or_default(),
            kind: draft.kind.as_str().into(),
            good_statuses: draft.good_statuses.clone().unwrap_or_default(),
            threshold_ms: draft.threshold_ms.map(format_value).unwrap_or_default(),
            objective: draft.objective.to_string(),
            window: draft.window.as_str().into(),
        }
    }

    /// The draft this form describes, validated; errors name the field.
    /// The field the chosen kind does not read (a latency SLO's statuses,
    /// an availability SLO's threshold) is left out, not refused.
    pub fn parse(&self) -> Result<SloDraft, AppError> {
        let mut errors = FieldErrors::default();
        let kind = errors.take(
            SloKind::parse(&self.kind).ok_or_else(|| AppError::validation("kind", "Choose availability or latency")),
        );
        let window =
            errors.take(SloWindow::parse(&self.window).ok_or_else(|| {
                AppError::validation("window", "Choose a rolling 7, 28 or 30 days, or the calendar month")
            }));
        let objective = errors.take(number("objective", self.objective.trim_end_matches('%')));
        let latency = kind == Some(SloKind::Latency);
        let availability = kind == Some(SloKind::Availability);
        let threshold_ms = match self.threshold_ms.trim() {
            _ if !latency => None,
            "" => None,
            text => errors.take(number("threshold_ms", text)),
        };
        let good_statuses = match self.good_statuses.trim() {
            _ if !availability => None,
            "" => None,
            // Written back as the set reads, so versions compare equal.
            text => errors.take(statuses::parse(text)).map(|set| statuses::print(&set)),
        };
        let endpoint = self.endpoint.trim();
        let draft = SloDraft {
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            service: self.service.trim().to_string(),
            endpoint: (!endpoint.is_empty()).then(|| endpoint.to_string()),
            kind: kind.unwrap_or(SloKind::Availability),
            good_statuses,
            // A field that did not read shows its own message (the first
            // one noted); validation's check of it is not added.
            threshold_ms,
            objective: objective.unwrap_or(99.0),
            window: window.unwrap_or(SloWindow::Rolling30),
        };
        if let Err(more) = draft.validate() {
            for (field, message) in FieldErrors::from(more).0 {
                errors.push(field, message);
            }
        }
        errors.check()?;
        Ok(draft)
    }

    /// `(field, value)` for every field, named as the editor names them.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("description", self.description.clone()),
            ("service", self.service.clone()),
            ("endpoint", self.endpoint.clone()),
            ("kind", self.kind.clone()),
            ("good_statuses", self.good_statuses.clone()),
            ("threshold_ms", self.threshold_ms.clone()),
            ("objective", self.objective.clone()),
            ("window", self.window.clone()),
        ]
    }

    /// The form from a URL's `slo[field]` parameters; `None` when it has none.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let field = |name: &str| get(&format!("slo[{name}]"));
        field("name")?;
        let text = |name: &str| field(name).unwrap_or_default();
        Some(SloForm {
            name: text("name"),
            description: text("description"),
            service: text("service"),
            endpoint: text("endpoint"),
            kind: text("kind"),
            good_statuses: text("good_statuses"),
            threshold_ms: text("threshold_ms"),
            objective: text("objective"),
            window: text("window"),
        })
    }

    /// The form as `slo[field]=value` query parameters (empty ones left out).
    pub fn query(&self) -> String {
        self.fields()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("slo%5B{name}%5D={}", crate::url::percent_encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn number(field: &str, value: &str) -> Result<f64, AppError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| AppError::validation(field, "Enter a number"))
}
