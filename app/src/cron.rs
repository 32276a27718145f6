//! Cron expressions (UTC) as admins type them for schedules: backups,
//! restore tests, scheduled report summaries.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::AppError;

/// A cron expression (UTC): 5 fields, or 6 with seconds first.
#[derive(Clone, Debug)]
pub struct Schedule {
    text: String,
    cron: croner::Cron,
}

impl Schedule {
    pub fn parse(field: &str, text: &str) -> Result<Option<Schedule>, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let cron = croner::Cron::new(text).with_seconds_optional().parse().map_err(|_| {
            AppError::validation(
                field,
                "Enter a cron expression such as “0 3 * * *” (daily at 03:00 UTC), or leave it empty.",
            )
        })?;
        Ok(Some(Schedule {
            text: text.to_string(),
            cron,
        }))
    }

    /// An expression that must be given: `example` shows one in the message.
    pub fn required(field: &str, text: &str, example: &str) -> Result<Schedule, AppError> {
        match Schedule::parse(field, text) {
            Ok(Some(schedule)) => Ok(schedule),
            _ => Err(AppError::validation(
                field,
                format!("Enter a cron expression (UTC) such as {example}."),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&after, false).ok()
    }
}

impl FromStr for Schedule {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Schedule, AppError> {
        Schedule::parse("schedule", text)?.ok_or_else(|| AppError::validation("schedule", "empty"))
    }
}

/// The next occurrence of a stored expression (which was valid when saved).
pub fn next_occurrence(expression: Option<&str>, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    expression
        .and_then(|text| text.parse::<Schedule>().ok())
        .and_then(|schedule| schedule.next_after(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_cron_expressions() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).expect("time").with_timezone(&Utc);
        let daily = Schedule::parse("schedule", "0 3 * * *").expect("valid").expect("set");
        assert_eq!(
            daily.next_after(at("2026-11-24T10:00:00Z")),
            Some(at("2026-11-25T03:00:00Z"))
        );
        let seconds = Schedule::parse("schedule", "30 * * * * *")
            .expect("valid")
            .expect("set");
        assert_eq!(
            seconds.next_after(at("2026-11-24T10:00:00Z")),
            Some(at("2026-11-24T10:00:30Z"))
        );
        assert!(Schedule::parse("schedule", "").expect("empty ok").is_none());
        assert!(Schedule::parse("schedule", "every day").is_err());
    }
}
