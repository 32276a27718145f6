//! Scheduled summaries: the last week's or month's report posted to a
//! notification channel on a cron schedule (UTC). What the schedules page
//! lists, what its form posts, and the checked draft (its cron expression
//! is checked on the server, `ssr::schedules`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::month::Month;
use crate::error::AppError;

/// What a summary covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Week,
    Month,
}

impl Period {
    pub const ALL: [Period; 2] = [Period::Week, Period::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn parse(word: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|period| period.as_str() == word)
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Week => "The last 7 days",
            Period::Month => "The last calendar month",
        }
    }

    /// A schedule that fits: Mondays at 08:00, or the 1st at 08:00 (UTC).
    pub fn usual_schedule(self) -> &'static str {
        match self {
            Period::Week => "0 8 * * 1",
            Period::Month => "0 8 1 * *",
        }
    }

    /// The whole period before `now`: the 7 days up to today's midnight
    /// (UTC), or the calendar month before this one.
    pub fn before(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            Period::Week => {
                let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                (midnight - Duration::days(7), midnight)
            }
            Period::Month => {
                let month = Month::of(now).previous();
                (month.start(), month.end())
            }
        }
    }

    /// "Monthly report · November 2026", "Weekly summary · Nov 30 – Dec 6 2026".
    pub fn title(self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        match self {
            Period::Month => format!("Monthly report · {}", Month::of(from).title()),
            Period::Week => {
                let last = to - Duration::days(1);
                format!(
                    "Weekly summary · {} – {}",
                    from.format("%b %-d"),
                    last.format("%b %-d %Y")
                )
            }
        }
    }
}

/// A schedule as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSchedule {
    pub id: i64,
    pub channel_id: i64,
    pub channel: String,
    pub period: Period,
    pub schedule: String,
    /// `None`: every service.
    pub service: Option<String>,
    pub enabled: bool,
    /// When it next posts (`None` while disabled).
    pub next_at: Option<DateTime<Utc>>,
    pub last_sent_at: Option<DateTime<Utc>>,
}

/// The schedule form as typed (a failed save loses nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    pub channel_id: String,
    pub period: String,
    pub schedule: String,
    pub service: String,
    /// A checkbox: present when checked.
    pub enabled: Option<String>,
}

/// A checked schedule (its expression checked again by the server's cron parser).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleDraft {
    pub channel_id: i64,
    pub period: Period,
    pub schedule: String,
    pub service: Option<String>,
    pub enabled: bool,
}

impl ScheduleForm {
    pub fn blank() -> Self {
        ScheduleForm {
            period: Period::Month.as_str().into(),
            schedule: Period::Month.usual_schedule().into(),
            enabled: Some("on".into()),
            ..Default::default()
        }
    }

    pub fn of(schedule: &ReportSchedule) -> Self {
        ScheduleForm {
            channel_id: schedule.channel_id.to_string(),
            period: schedule.period.as_str().into(),
            schedule: schedule.schedule.clone(),
            service: schedule.service.clone().unwrap_or_default(),
            enabled: schedule.enabled.then(|| "on".into()),
        }
    }

    pub fn parse(&self) -> Result<ScheduleDraft, AppError> {
        let channel_id = self
            .channel_id
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::validation("channel_id", "Choose a channel"))?;
        let period = Period::parse(self.period.trim())
            .ok_or_else(|| AppError::validation("period", "Choose the last 7 days or the last calendar month"))?;
        let schedule = self.schedule.trim();
        if schedule.is_empty() || schedule.len() > 200 {
            return Err(AppError::validation(
                "schedule",
                format!("Enter a cron expression (UTC) such as “{}”.", period.usual_schedule()),
            ));
        }
        let service = self.service.trim();
        if service.len() > 200 || service.chars().any(char::is_control) {
            return Err(AppError::validation(
                "service",
                "A service name, or empty for every service",
            ));
        }
        Ok(ScheduleDraft {
            channel_id,
            period,
            schedule: schedule.to_string(),
            service: (!service.is_empty()).then(|| service.to_string()),
            enabled: self.enabled.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    #[test]
    fn a_period_is_the_whole_week_or_month_before() {
        let now = at("2026-12-07T08:00:00Z");
        assert_eq!(
            Period::Week.before(now),
            (at("2026-11-30T00:00:00Z"), at("2026-12-07T00:00:00Z"))
        );
        assert_eq!(
            Period::Month.before(now),
            (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"))
        );
        assert_eq!(
            Period::Month.before(at("2027-01-01T00:00:00Z")),
            (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
        );
        let (from, to) = Period::Week.before(now);
        assert_eq!(Period::Week.title(from, to), "Weekly summary · Nov 30 – Dec 6 2026");
        let (from, to) = Period::Month.before(now);
        assert_eq!(Period::Month.title(from, to), "Monthly report · November 2026");
    }

    #[test]
    fn the_form_names_the_field_that_is_wrong() {
        let field = |form: ScheduleForm| match form.parse() {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let good = ScheduleForm {
            channel_id: "3".into(),
            ..ScheduleForm::blank()
        };
        let draft = good.parse().expect("valid");
        assert_eq!(
            (draft.channel_id, draft.period, draft.service),
            (3, Period::Month, None)
        );
        assert!(draft.enabled);
        assert_eq!(field(ScheduleForm::blank()), "channel_id");
        assert_eq!(
            field(ScheduleForm {
                period: "year".into(),
                ..good.clone()
            }),
            "period"
        );
        assert_eq!(
            field(ScheduleForm {
                schedule: " ".into(),
                ..good.clone()
            }),
            "schedule"
        );
        assert_eq!(
            field(ScheduleForm {
                service: "a\u{7}".into(),
                ..good
            }),
            "service"
        );
    }
}
