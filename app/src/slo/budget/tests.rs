use chrono::Duration;

use super::*;
use crate::slo::month_of;
use crate::testing::at;

fn minute(start: &str, events: i64, good: i64) -> Tally {
    Tally {
        start: at(start),
        measured_minutes: i64::from(events > 0),
        events,
        good,
    }
}

fn budget(objective: f64, from: &str, to: &str, now: &str, tallies: &[Tally]) -> Budget {
    compute(&BudgetInput {
        objective,
        from: at(from),
        to: at(to),
        now: at(now),
        tallies,
        step: Duration::minutes(1),
        recent: Tally::empty(at(now)),
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn counts_against_the_objective_table() {
    // (objective, events, good, remaining, status, time left) over 30 days.
    let cases = [
        (
            99.9,
            1_000_000,
            999_500,
            Some(0.5),
            BudgetStatus::Healthy,
            "22 min of 43 min left",
        ),
        (
            99.9,
            1_000_000,
            1_000_000,
            Some(1.0),
            BudgetStatus::Healthy,
            "43 min of 43 min left",
        ),
        (
            99.9,
            1_000_000,
            999_200,
            Some(0.2),
            BudgetStatus::Low,
            "9 min of 43 min left",
        ),
        (
            99.9,
            1_000_000,
            999_000,
            Some(0.0),
            BudgetStatus::Exhausted,
            "0 min of 43 min left",
        ),
        (
            99.9,
            1_000_000,
            998_500,
            Some(-0.5),
            BudgetStatus::Exhausted,
            "0 min of 43 min left",
        ),
        (
            99.0,
            200,
            199,
            Some(0.5),
            BudgetStatus::Healthy,
            "3 h 36 min of 7 h 12 min left",
        ),
        (
            99.9,
            0,
            0,
            None,
            BudgetStatus::Unmeasured,
            "unmeasured: no requests in the window",
        ),
    ];
    for (objective, events, good, remaining, status, left) in cases {
        let tallies = [minute("2026-11-10T00:00:00Z", events, good)];
        let b = budget(
            objective,
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
            "2026-12-05T00:00:00Z",
            &tallies,
        );
        assert_eq!(b.window_minutes, 43_200);
        assert!(
            close(b.budget_minutes, (100.0 - objective) / 100.0 * 43_200.0),
            "{objective}"
        );
        match (b.remaining, remaining) {
            (Some(got), Some(want)) => assert!(close(got, want), "{objective} {events} {good}: {got}"),
            (got, want) => assert_eq!(got, want),
        }
        assert_eq!(b.status(), status, "{objective} {events} {good}");
        assert_eq!(b.met(), remaining.map(|r| r >= 0.0), "{objective} {events} {good}");
        assert_eq!(b.time_left(), left, "{objective} {events} {good}");
    }
}

#[test]
fn minutes_without_data_are_unmeasured_not_good() {
    // One hour of the window has passed; only 15 of its minutes had requests.
    let tallies: Vec<Tally> = (0..15)
        .map(|n| Tally {
            start: at("2026-12-01T00:00:00Z") + Duration::minutes(n * 4),
            measured_minutes: 1,
            events: 100,
            good: 99,
        })
        .collect();
    let b = budget(
        99.0,
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &tallies,
    );
    assert_eq!(b.elapsed_minutes, 60);
    assert_eq!(b.measured_minutes, 15);
    assert!(close(b.coverage(), 0.25));
    assert_eq!((b.events, b.good), (1500, 1485));
    // 1 % bad against a 1 % allowance: spent, however many minutes were silent.
    assert!(close(b.remaining.expect("measured"), 0.0));
    assert_eq!(b.status(), BudgetStatus::Exhausted);
}

#[test]
fn a_window_without_any_request_is_unmeasured_never_full() {
    let b = budget(
        99.9,
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "2026-12-20T00:00:00Z",
        &[],
    );
    assert_eq!(b.remaining, None);
    assert_eq!(b.status(), BudgetStatus::Unmeasured);
    assert_eq!(b.percent_left(), "unmeasured");
    assert!(b.series.is_empty());
    assert_eq!(b.coverage(), 0.0);
    assert_eq!(b.sli(), None);
}

#[test]
fn months_end_at_utc_midnight_and_leave_the_neighbours_out() {
    let (from, to) = month_of(at("2028-02-29T23:59:59Z"));
    assert_eq!((from, to), (at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z")));
    let (from, to) = month_of(at("2026-12-31T23:59:59Z"));
    assert_eq!((from, to), (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")));
    let (from, _) = month_of(at("2027-01-01T00:00:00Z"));
    assert_eq!(from, at("2027-01-01T00:00:00Z"));
    let tallies = [
        minute("2026-01-31T23:59:00Z", 100, 0),
        minute("2026-02-01T00:00:00Z", 100, 100),
        minute("2026-02-28T23:59:00Z", 100, 99),
        minute("2026-03-01T00:00:00Z", 100, 0),
    ];
    let b = budget(
        99.0,
        "2026-02-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
        "2026-03-10T00:00:00Z",
        &tallies,
    );
    assert_eq!(b.window_minutes, 28 * 1440);
    assert_eq!(b.elapsed_minutes, 28 * 1440);
    assert_eq!((b.events, b.good), (200, 199));
    assert!(close(b.remaining.expect("measured"), 0.5));
}

#[test]
fn a_month_in_progress_is_measured_up_to_now() {
    let tallies = [
        minute("2026-12-01T00:00:00Z", 100, 100),
        minute("2026-12-07T10:00:00Z", 100, 100),
    ];
    let b = budget(
        99.9,
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "2026-12-07T10:00:00Z",
        &tallies,
    );
    assert_eq!(b.measured_to, at("2026-12-07T10:00:00Z"));
    assert_eq!(b.elapsed_minutes, (6 * 24 + 10) * 60);
    assert_eq!(b.events, 100, "the minute starting now is not measured yet");
    // The budget as time is the whole month's.
    assert!(close(b.budget_minutes, 0.001 * 31.0 * 1440.0));
}

#[test]
fn the_series_is_the_budget_left_after_each_stretch() {
    let tallies = [
        minute("2026-12-01T00:00:00Z", 1000, 1000),
        minute("2026-12-01T00:01:00Z", 1000, 995),
        minute("2026-12-01T00:03:00Z", 2000, 1995),
    ];
    let b = budget(
        99.0,
        "2026-12-01T00:00:00Z",
        "2026-12-02T00:00:00Z",
        "2026-12-01T00:10:00Z",
        &tallies,
    );
    let ms = |s: &str| at(s).timestamp_millis();
    let expected = [
        (ms("2026-12-01T00:01:00Z"), 100.0),
        // 5 bad of 2000 events: 20 allowed → 75 % left.
        (ms("2026-12-01T00:02:00Z"), 75.0),
        // 10 bad of 4000: 40 allowed → 75 %.
        (ms("2026-12-01T00:04:00Z"), 75.0),
    ];
    assert_eq!(b.series.len(), expected.len());
    for ((t, v), (et, ev)) in b.series.iter().zip(expected) {
        assert_eq!(*t, et);
        assert!(close(*v, ev), "{v} vs {ev}");
    }
}

#[test]
fn burn_rates_against_hand_computed_cases() {
    // (events, bad, objective, burn rate)
    let cases = [
        (1000, 1, 99.9, Some(1.0)),
        (1000, 0, 99.9, Some(0.0)),
        (10_000, 144, 99.9, Some(14.4)),
        (1000, 6, 99.9, Some(6.0)),
        (100, 100, 99.0, Some(100.0)),
        (0, 0, 99.9, None),
    ];
    for (events, bad, objective, want) in cases {
        match (burn_rate(events, bad, objective), want) {
            (Some(got), Some(want)) => assert!(close(got, want), "{events} {bad} {objective}: {got}"),
            (got, want) => assert_eq!(got, want),
        }
    }
    let b = compute(&BudgetInput {
        objective: 99.9,
        from: at("2026-12-01T00:00:00Z"),
        to: at("2026-12-31T00:00:00Z"),
        now: at("2026-12-02T00:00:00Z"),
        tallies: &[],
        step: Duration::hours(1),
        recent: Tally {
            start: at("2026-12-01T23:00:00Z"),
            measured_minutes: 60,
            events: 10_000,
            good: 9_856,
        },
    });
    assert!(close(b.burn_rate.expect("events in the last hour"), 14.4));
}

#[test]
fn durations_and_percentages_read_as_people_write_them() {
    for (minutes, text) in [
        (0.0, "0 min"),
        (0.2, "under 1 min"),
        (43.2, "43 min"),
        (119.4, "119 min"),
        (432.0, "7 h 12 min"),
        (120.0, "2 h"),
        (4032.0, "2 d 19 h"),
        (2880.0, "2 d"),
    ] {
        assert_eq!(duration(minutes), text, "{minutes}");
    }
    assert_eq!(decimal(45.94), "45.9");
    assert_eq!(decimal(50.0), "50");
    assert_eq!(decimal(-12.5), "−12.5");
    assert_eq!(decimal(-0.01), "0");
}
