//! A moment in a table cell, short enough for narrow columns: "Dec 7 03:00"
//! (UTC; the year only when it is not this year's), with the whole date and
//! time in its `title` and `datetime`; and a span of time as short words.

use chrono::{DateTime, Datelike, Utc};
use leptos::prelude::*;

#[component]
pub fn ShortTime(at: DateTime<Utc>) -> impl IntoView {
    view! {
        <time class="nowrap" datetime=at.to_rfc3339() title=full(at)>{short(at, Utc::now())}</time>
    }
}

/// `Dec 7 03:00`, or `Jan 1 2027 05:15` outside the year of `now`.
pub fn short(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let format = if at.year() == now.year() {
        "%b %-d %H:%M"
    } else {
        "%b %-d %Y %H:%M"
    };
    at.format(format).to_string()
}

/// A span of time, short: `42 s`, `4 min 10 s`, `1 h 5 min`.
pub fn span(seconds: i64) -> String {
    let secs = seconds.max(0);
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// `2026-12-07 03:00:00 UTC`.
pub fn full(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::at;

    #[test]
    fn the_year_shows_only_when_it_is_not_this_one() {
        let now = at("2026-12-06T15:00:00Z");
        assert_eq!(short(at("2026-12-07T03:00:00Z"), now), "Dec 7 03:00");
        assert_eq!(short(at("2027-01-01T05:15:00Z"), now), "Jan 1 2027 05:15");
        assert_eq!(short(at("2025-11-30T23:59:30Z"), now), "Nov 30 2025 23:59");
        assert_eq!(full(at("2026-12-07T03:00:09Z")), "2026-12-07 03:00:09 UTC");
    }

    #[test]
    fn spans_read_as_short_words() {
        assert_eq!(span(42), "42 s");
        assert_eq!(span(250), "4 min 10 s");
        assert_eq!(span(3900), "1 h 5 min");
        assert_eq!(span(-5), "0 s");
    }
}
