//! Notifications: the channels alerts are sent to, what one notification
//! says, and how its deliveries went. Shared by the pages and the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertState, Severity};
use crate::error::AppError;

words! {
    /// Where a channel's notifications go and which body they carry.
    ChannelKind {
        Webhook => "webhook",
        Slack => "slack",
    }
}

impl ChannelKind {
    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "Webhook (JSON)",
            ChannelKind::Slack => "Slack incoming webhook",
        }
    }
}

words! {
    /// Why a notification was written.
    NotificationKind {
        Transition => "transition",
        Repeat => "repeat",
        Test => "test",
        Report => "report",
    }
}

words! {
    DeliveryState {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

/// Whether an alert entering `state` is announced (firing and resolving are;
/// pending and the rest show on the pages only).
pub fn announces(state: AlertState) -> bool {
    matches!(state, AlertState::Firing | AlertState::Resolved)
}

/// Lowercase letters, digits, `_`, `.` and `-`, 1–64 long, starting with a
/// letter or digit (rules refer to channels by this name).
pub fn is_channel_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

/// A channel as the admin page shows it (its secret is shown only once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    pub repeat_minutes: i32,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// The latest delivery's state and when it was written, if any.
    pub last_delivery: Option<(DeliveryState, DateTime<Utc>)>,
}

/// What an alert notification says, decided when it is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub kind: NotificationKind,
    pub rule_id: Option<i64>,
    pub rule: String,
    pub severity: Severity,
    pub labels: std::collections::BTreeMap<String, String>,
    pub state: AlertState,
    pub previous_state: Option<AlertState>,
    pub value: Option<f64>,
    pub threshold: f64,
    pub summary: String,
    pub at: DateTime<Utc>,
    /// The page the alert is about when it is not the rule's own (an error
    /// rule's issue), as a path; its link leads there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// A scheduled report's summary (kind `report`); its title is `rule`
    /// and its text `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::reports::digest::Digest>,
}

/// One try at sending a notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; `None` when it did not answer.
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A notification for one channel and every attempt at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub notification: Notification,
    pub state: DeliveryState,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: Vec<Attempt>,
}

/// A saved channel, and its signing secret when one was just made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedChannel {
    pub id: i64,
    pub name: String,
    /// Shown once: after creating the channel or rotating its secret.
    pub secret: Option<String>,
}

/// The channel form as typed (a failed save loses nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelForm {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub repeat_minutes: String,
    /// A checkbox: present when checked.
    pub enabled: Option<String>,
}

/// A checked channel, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelDraft {
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    pub repeat_minutes: i32,
    pub enabled: bool,
}

impl ChannelForm {
    pub fn blank() -> Self {
        ChannelForm {
            kind: ChannelKind::Webhook.as_str().into(),
            repeat_minutes: "240".into(),
            enabled: Some("on".into()),
            ..Default::default()
        }
    }

    pub fn parse(&self) -> Result<ChannelDraft, AppError> {
        let name = self.name.trim();
        if !is_channel_name(name) {
            return Err(AppError::validation(
                "name",
                "1–64 lowercase letters, digits, '_', '.' or '-', starting with a letter or digit",
            ));
        }
        let kind = ChannelKind::parse(self.kind.trim())
            .ok_or_else(|| AppError::validation("kind", "Choose webhook or slack"))?;
        let url = self.url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        let host_ok = url.split_once("://").is_some_and(|(_, rest)| !rest.is_empty());
        if !scheme_ok || !host_ok || url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AppError::validation("url", "An http:// or https:// address"));
        }
        let repeat_minutes = self
            .repeat_minutes
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (0..=10_080).contains(m))
            .ok_or_else(|| AppError::validation("repeat_minutes", "Whole minutes from 0 (never) to 10080 (7 days)"))?;
        Ok(ChannelDraft {
            name: name.to_string(),
            kind,
            url: url.to_string(),
            repeat_minutes,
            enabled: self.enabled.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ChannelForm {
        ChannelForm {
            name: "ops-pager".into(),
            url: "https://hooks.example.com/T1/B2".into(),
            ..ChannelForm::blank()
        }
    }

    fn field_of(form: ChannelForm) -> Option<String> {
        match form.parse() {
            Err(AppError::Validation { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn a_filled_form_parses() {
        let draft = form().parse().expect("valid");
        assert_eq!(draft.kind, ChannelKind::Webhook);
        assert_eq!(draft.repeat_minutes, 240);
        assert!(draft.enabled);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (
                "name",
                ChannelForm {
                    name: "Ops Pager".into(),
                    ..form()
                },
            ),
            (
                "name",
                ChannelForm {
                    name: "-ops".into(),
                    ..form()
                },
            ),
            (
                "kind",
                ChannelForm {
                    kind: "email".into(),
                    ..form()
                },
            ),
            (
                "url",
                ChannelForm {
                    url: "ftp://example.com".into(),
                    ..form()
                },
            ),
            (
                "url",
                ChannelForm {
                    url: "https://".into(),
                    ..form()
                },
            ),
            (
                "url",
                ChannelForm {
                    url: "https://a b".into(),
                    ..form()
                },
            ),
            (
                "repeat_minutes",
                ChannelForm {
                    repeat_minutes: "-1".into(),
                    ..form()
                },
            ),
            (
                "repeat_minutes",
                ChannelForm {
                    repeat_minutes: "2h".into(),
                    ..form()
                },
            ),
        ];
        for (field, form) in cases {
            assert_eq!(field_of(form.clone()).as_deref(), Some(field), "{form:?}");
        }
    }

    #[test]
    fn only_firing_and_resolving_are_announced() {
        let announced: Vec<_> = AlertState::ALL.iter().copied().filter(|s| announces(*s)).collect();
        assert_eq!(announced, vec![AlertState::Firing, AlertState::Resolved]);
    }
}
