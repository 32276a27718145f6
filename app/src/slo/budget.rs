//! The error budget arithmetic, counts-based: over a window, the objective
//! allows `(1 − objective) × events` bad events; what is left is the share
//! of that allowance not yet spent. The input is what the rollups say per
//! stretch of time (`Tally`): minutes without a single request are
//! *unmeasured* — they add no events, good or bad, and the coverage says
//! how much of the window had data. A window without any event has no
//! budget figure at all (`remaining: None`), never 100 %.
//!
//! Pure and shared by the pages and the server: the queries in
//! `ssr/budget.rs` fill the tallies, this file does the sums.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a stretch of time held: minutes with data, events, good events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub start: DateTime<Utc>,
    /// Minutes of the stretch with at least one event.
    pub measured_minutes: i64,
    pub events: i64,
    pub good: i64,
}

impl Tally {
    /// Nothing measured, from `start`.
    pub fn empty(start: DateTime<Utc>) -> Tally {
        Tally {
            start,
            measured_minutes: 0,
            events: 0,
            good: 0,
        }
    }

    /// Bad events (never negative, even if a count were off).
    pub fn bad(&self) -> i64 {
        (self.events - self.good).max(0)
    }
}

/// The share of events `objective` (percent) allows to be bad, with the
/// float noise of `100 − 99.9` rounded away (objectives are typed with a
/// few decimals), so an objective met exactly leaves exactly 0 % of the budget.
pub fn allowed_share(objective: f64) -> f64 {
    ((100.0 - objective) * 1e9).round() / 1e9 / 100.0
}

/// The burn rate of `bad` out of `events` under `objective` (percent): how
/// many times faster than the window allows the budget is being spent (1:
/// exactly spent at the window's end). `None` without events.
pub fn burn_rate(events: i64, bad: i64, objective: f64) -> Option<f64> {
    let allowed = allowed_share(objective);
    (events > 0 && allowed > 0.0).then(|| (bad as f64 / events as f64) / allowed)
}

/// What the budget is computed from.
#[derive(Clone, Debug)]
pub struct BudgetInput<'a> {
    /// Percent, in (0, 100).
    pub objective: f64,
    /// The window `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Time after `now` is not measured yet (a calendar month in progress).
    pub now: DateTime<Utc>,
    /// Consecutive stretches of `step` from `from`, ascending; stretches
    /// without events may be left out.
    pub tallies: &'a [Tally],
    pub step: Duration,
    /// The hour before the measured end (the burn rate now).
    pub recent: Tally,
}

/// An SLO's error budget over one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub objective: f64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The end of what was measured: `to`, or now when that is earlier.
    pub measured_to: DateTime<Utc>,
    /// Minutes of the whole window.
    pub window_minutes: i64,
    /// Minutes from `from` to `measured_to`.
    pub elapsed_minutes: i64,
    /// Minutes with at least one event.
    pub measured_minutes: i64,
    pub events: i64,
    pub good: i64,
    /// The share of the budget left: 1 untouched, 0 spent, below 0
    /// overspent; `None` when no event was measured.
    pub remaining: Option<f64>,
    /// The budget as time over the whole window: `(1 − objective) ×` its minutes.
    pub budget_minutes: f64,
    /// The burn rate over the last hour; `None` without events in it.
    pub burn_rate: Option<f64>,
    /// `(unix ms, percent of the budget left)` at the end of each stretch
    /// from the window's start (stretches before the first event left out).
    pub series: Vec<(i64, f64)>,
}

/// How a budget reads at a glance (the Overview strip's colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BudgetStatus {
    /// No event in the window: not 100 %, unknown.
    Unmeasured,
    /// 25 % or more left.
    Healthy,
    /// Less than 25 % left.
    Low,
    /// Nothing left.
    Exhausted,
}

impl BudgetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::Unmeasured => "unmeasured",
            BudgetStatus::Healthy => "healthy",
            BudgetStatus::Low => "low",
            BudgetStatus::Exhausted => "exhausted",
        }
    }
}

/// The share of the budget left after `bad` of `events` (see [`Budget::remaining`]).
fn remaining_after(events: i64, bad: i64, objective: f64) -> Option<f64> {
    let allowed = allowed_share(objective) * events as f64;
    (events > 0 && allowed > 0.0).then(|| 1.0 - bad as f64 / allowed)
}

/// Whole minutes from `from` to `to` (0 when `to` is earlier).
fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    ((to - from).num_seconds().max(0) + 59) / 60
}

/// The budget of `input`.
pub fn compute(input: &BudgetInput) -> Budget {
    let measured_to = input.to.min(input.now).max(input.from);
    let (mut events, mut good, mut measured_minutes) = (0, 0, 0);
    let mut series = Vec::with_capacity(input.tallies.len());
    for tally in input
        .tallies
        .iter()
        .filter(|t| t.start >= input.from && t.start < measured_to)
    {
        events += tally.events;
        good += tally.good.min(tally.events);
        measured_minutes += tally.measured_minutes;
        if let Some(left) = remaining_after(events, events - good, input.objective) {
            let end = (tally.start + input.step).min(measured_to);
            series.push((end.timestamp_millis(), left * 100.0));
        }
    }
    let window_minutes = minutes_between(input.from, input.to);
    Budget {
        objective: input.objective,
        from: input.from,
        to: input.to,
        measured_to,
        window_minutes,
        elapsed_minutes: minutes_between(input.from, measured_to),
        measured_minutes,
        events,
        good,
        remaining: remaining_after(events, events - good, input.objective),
        budget_minutes: allowed_share(input.objective) * window_minutes as f64,
        burn_rate: burn_rate(input.recent.events, input.recent.bad(), input.objective),
        series,
    }
}

impl Budget {
    pub fn bad(&self) -> i64 {
        (self.events - self.good).max(0)
    }

    /// The share of good events (the SLI); `None` without events.
    pub fn sli(&self) -> Option<f64> {
        (self.events > 0).then(|| self.good as f64 / self.events as f64)
    }

    /// Whether the objective was met (the share of good events at least
    /// the objective); `None` when nothing was measured (a report's month).
    pub fn met(&self) -> Option<bool> {
        self.remaining.map(|left| left >= 0.0)
    }

    /// Bad events the objective allows over the events counted.
    pub fn allowed_bad(&self) -> f64 {
        allowed_share(self.objective) * self.events as f64
    }

    /// The share of the elapsed window with data, 0 to 1.
    pub fn coverage(&self) -> f64 {
        if self.elapsed_minutes == 0 {
            0.0
        } else {
            (self.measured_minutes as f64 / self.elapsed_minutes as f64).min(1.0)
        }
    }

    pub fn status(&self) -> BudgetStatus {
        match self.remaining {
            None => BudgetStatus::Unmeasured,
            Some(left) if left <= 0.0 => BudgetStatus::Exhausted,
            Some(left) if left < 0.25 => BudgetStatus::Low,
            Some(_) => BudgetStatus::Healthy,
        }
    }

    /// Budget time left (never below zero), in minutes.
    pub fn minutes_left(&self) -> Option<f64> {
        self.remaining.map(|left| left.max(0.0) * self.budget_minutes)
    }

    /// "31 min of 43 min left"; "unmeasured" without events.
    pub fn time_left(&self) -> String {
        match self.minutes_left() {
            None => "unmeasured: no requests in the window".to_string(),
            Some(left) => format!("{} of {} left", duration(left), duration(self.budget_minutes)),
        }
    }

    /// "45.9 % left", "exhausted (−12.5 %)", "unmeasured".
    pub fn percent_left(&self) -> String {
        match self.remaining {
            None => "unmeasured".to_string(),
            Some(left) if left <= 0.0 => format!("exhausted ({} %)", decimal(left * 100.0)),
            Some(left) => format!("{} % left", decimal(left * 100.0)),
        }
    }
}

/// Minutes as people read them: "43 min", "7 h 12 min", "2 d 4 h".
pub fn duration(minutes: f64) -> String {
    let total = minutes.max(0.0).round() as i64;
    match total {
        0 if minutes > 0.0 => "under 1 min".to_string(),
        0..120 => format!("{total} min"),
        120..2880 => match total % 60 {
            0 => format!("{} h", total / 60),
            m => format!("{} h {m} min", total / 60),
        },
        _ => match (total % 1440) / 60 {
            0 => format!("{} d", total / 1440),
            h => format!("{} d {h} h", total / 1440),
        },
    }
}

/// At most one decimal, "−" for negatives.
pub fn decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    if text == "-0" {
        return "0".to_string();
    }
    text.replacen('-', "−", 1)
}

#[cfg(test)]
mod tests;
