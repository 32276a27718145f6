//! The calendar month a report covers, in UTC, as its permalink names it
//! (`?month=2026-11`).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A calendar month (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

const NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Month {
    /// `YYYY-MM`, years 2000 to 9999.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let (year, month) = (year.parse::<i32>().ok()?, month.parse::<u32>().ok()?);
        ((2000..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The month `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Month {
        Month {
            year: at.year(),
            month: at.month(),
        }
    }

    /// Its first instant.
    pub fn start(self) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
    }

    /// The first instant of the next month (the end, exclusive).
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }

    pub fn next(self) -> Month {
        match self.month {
            12 => Month {
                year: self.year + 1,
                month: 1,
            },
            m => Month { month: m + 1, ..self },
        }
    }

    pub fn previous(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month { month: m - 1, ..self },
        }
    }

    /// `n` months ending with this one, oldest first.
    pub fn last(self, n: usize) -> Vec<Month> {
        let mut months: Vec<Month> = std::iter::successors(Some(self), |m| Some(m.previous()))
            .take(n)
            .collect();
        months.reverse();
        months
    }

    /// "November 2026".
    pub fn title(self) -> String {
        format!("{} {}", NAMES[(self.month as usize).clamp(1, 12) - 1], self.year)
    }

    /// "Nov 2026", for narrow columns.
    pub fn short(self) -> String {
        format!("{} {}", &NAMES[(self.month as usize).clamp(1, 12) - 1][..3], self.year)
    }

    /// Its bounds as the pages' custom-range fields take them
    /// (`2026-11-01T00:00`, `2026-12-01T00:00`), for links to its charts and lists.
    pub fn range_fields(self) -> (String, String) {
        let field = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M").to_string();
        (field(self.start()), field(self.end()))
    }

    /// Minutes in the month.
    pub fn minutes(self) -> i64 {
        (self.end() - self.start()).num_minutes()
    }
}

impl std::fmt::Display for Month {
    /// `2026-11`, as the permalink has it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The month a report asks for: the one named, refused when malformed or
/// still to come; the last whole month when none is named.
pub fn chosen(text: Option<&str>, now: DateTime<Utc>) -> Result<Month, AppError> {
    let this = Month::of(now);
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(this.previous()),
        Some(text) => match Month::parse(text) {
            None => Err(AppError::validation("month", "Enter a month as YYYY-MM, e.g. 2026-11.")),
            Some(month) if month > this => Err(AppError::validation(
                "month",
                format!(
                    "{} has not begun yet; the latest report is for {}.",
                    month.title(),
                    this.title()
                ),
            )),
            Some(month) => Ok(month),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    #[test]
    fn months_have_utc_bounds_across_year_ends_and_leap_years() {
        let december = Month::parse("2026-12").expect("month");
        assert_eq!(december.start(), at("2026-12-01T00:00:00Z"));
        assert_eq!(december.end(), at("2027-01-01T00:00:00Z"));
        assert_eq!(december.next().to_string(), "2027-01");
        assert_eq!(Month::parse("2027-01").expect("month").previous(), december);
        assert_eq!(Month::parse("2028-02").expect("month").minutes(), 29 * 1440);
        assert_eq!(Month::parse("2026-02").expect("month").minutes(), 28 * 1440);
        assert_eq!(Month::of(at("2026-11-30T23:59:59.999Z")).to_string(), "2026-11");
        assert_eq!(Month::of(at("2026-12-01T00:00:00Z")).to_string(), "2026-12");
        assert_eq!(december.title(), "December 2026");
        let bounds = ("2026-12-01T00:00".to_string(), "2027-01-01T00:00".to_string());
        assert_eq!(december.range_fields(), bounds);
        let year: Vec<String> = december.last(12).iter().map(Month::to_string).collect();
        assert_eq!(year.first().map(String::as_str), Some("2026-01"));
        assert_eq!(year.last().map(String::as_str), Some("2026-12"));
    }

    #[test]
    fn only_well_formed_months_parse() {
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "1999-12",
            "2026-11-01",
            "x-11",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Month::parse(" 2026-11 "), Some(Month { year: 2026, month: 11 }));
    }

    #[test]
    fn the_default_is_last_month_and_the_future_is_refused() {
        let now = at("2026-12-07T09:00:00Z");
        assert_eq!(chosen(None, now).expect("default").to_string(), "2026-11");
        assert_eq!(chosen(Some(""), now).expect("default").to_string(), "2026-11");
        assert_eq!(chosen(Some("2026-12"), now).expect("this month").to_string(), "2026-12");
        let future = chosen(Some("2027-01"), now).expect_err("future");
        assert!(future.to_string().contains("has not begun yet"), "{future}");
        assert!(chosen(Some("November"), now).is_err());
    }
}
