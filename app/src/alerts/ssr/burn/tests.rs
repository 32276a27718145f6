use chrono::{Duration, TimeZone};

use super::*;
use crate::alerts::Comparator;

fn minute(m: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_764_000_000 + m * 60, 0).single().expect("instant")
}

/// Minutes `0..60` of 10 000 requests each, `bad(m)` of them bad.
fn hour(bad: impl Fn(i64) -> i64) -> BurnMinutes {
    let tallies: Vec<Tally> = (0..60)
        .map(|m| Tally {
            start: minute(m),
            measured_minutes: 1,
            events: 10_000,
            good: 10_000 - bad(m),
        })
        .collect();
    BurnMinutes::new(99.9, &tallies)
}

const HOUR: i64 = 3600;

#[test]
fn burn_rate_pairs_against_hand_computed_cases() {
    // (case, minutes, window, value at minute 60)
    let cases: Vec<(&str, BurnMinutes, i64, Observation)> = vec![
        // 1.44 % bad all hour: 14.4× over 1 h and over 5 min.
        ("steady 1.44 %", hour(|_| 144), HOUR, Observation::Value(14.4)),
        // A spike in the last 5 minutes only: 5 × 1000 bad of 600 000 over the hour
        // is 8.333…×, the 5 minutes burn 100×: the pair's value is the hour's.
        (
            "late spike",
            hour(|m| if m >= 55 { 1000 } else { 0 }),
            HOUR,
            Observation::Value(8.333333),
        ),
        // A burst that ended half an hour ago: 15× over the hour, nothing in
        // the last 5 minutes, so the pair has recovered.
        (
            "ended burst",
            hour(|m| if m < 30 { 300 } else { 0 }),
            HOUR,
            Observation::Value(0.0),
        ),
        // The 6 h pair over the same hour of data: its 30-minute half.
        (
            "6 h pair",
            hour(|m| if m >= 30 { 60 } else { 0 }),
            6 * HOUR,
            Observation::Value(3.0),
        ),
    ];
    for (case, minutes, window, expected) in cases {
        assert_eq!(minutes.value_at(window, minute(60)), expected, "{case}");
    }
}

#[test]
fn the_workbooks_page_pair_fires_at_exactly_14_4_and_not_below() {
    let fires = |value: &Observation| matches!(value, Observation::Value(v) if Comparator::Ge.holds(*v, 14.4));
    assert!(fires(&hour(|_| 144).value_at(HOUR, minute(60))));
    assert!(!fires(&hour(|_| 143).value_at(HOUR, minute(60))));
    // 2 % of a 30-day budget in one hour is a burn rate of 0.02 × 720 h = 14.4.
    let budget_share: f64 = 144.0 * 60.0 / (0.001 * 600_000.0) / (30.0 * 24.0);
    assert!((budget_share - 0.02).abs() < 1e-12, "{budget_share}");
}

#[test]
fn a_window_without_events_has_no_data() {
    let quiet_end = BurnMinutes::new(
        99.9,
        &[Tally {
            start: minute(10),
            measured_minutes: 1,
            events: 100,
            good: 50,
        }],
    );
    // The hour has events, its last 5 minutes none.
    assert_eq!(quiet_end.value_at(HOUR, minute(60)), Observation::NoData);
    assert_eq!(
        BurnMinutes::new(99.9, &[]).value_at(HOUR, minute(60)),
        Observation::NoData
    );
    // Windows are [from, to): the minute starting at `at` is not in them.
    let one = BurnMinutes::new(
        99.0,
        &[Tally {
            start: minute(60),
            measured_minutes: 1,
            events: 100,
            good: 0,
        }],
    );
    assert_eq!(one.burn(minute(0), minute(60)), None);
    assert_eq!(one.burn(minute(60), minute(60) + Duration::minutes(1)), Some(100.0));
}
