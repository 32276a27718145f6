//! The alert state machine, one pure function shared by the live evaluator
//! and by backtests (so a backtest is exactly what the evaluator would have
//! done on the same data).
//!
//! `normal → pending → firing → resolved`: a breaching value starts the
//! pending period (`for`); a rule still breaching when it has passed fires
//! (at once when `for` is zero); a value that stops breaching while pending
//! goes back to normal without firing. A firing alert resolves only when the
//! value crosses the *recovery* threshold (hysteresis; without one, the
//! threshold itself), so a value hovering at the threshold does not flap.
//! `resolved` rests like `normal`.
//!
//! No data: policy `alert` treats it as a breaching value, `ok` as a good
//! one, `keep` keeps a firing alert firing and shows `nodata` otherwise.
//! A failed query shows `error`, except that a firing alert stays firing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertState, Comparator, NoDataPolicy};

/// The parts of a rule that decide its state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub comparator: Comparator,
    pub threshold: f64,
    /// Where a firing alert resolves; `None`: at the threshold.
    pub recovery: Option<f64>,
    /// How long a value must keep breaching before the alert fires.
    pub for_secs: i64,
    pub no_data: NoDataPolicy,
}

impl Thresholds {
    pub fn breaches(&self, value: f64) -> bool {
        self.comparator.holds(value, self.threshold)
    }

    /// Whether a firing alert with this value resolves.
    pub fn recovers(&self, value: f64) -> bool {
        !self.comparator.holds(value, self.recovery.unwrap_or(self.threshold))
    }
}

/// What one evaluation saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Observation {
    Value(f64),
    NoData,
    Error(String),
}

impl Observation {
    pub fn value(&self) -> Option<f64> {
        match self {
            Observation::Value(v) => Some(*v),
            _ => None,
        }
    }
}

/// A rule's state between evaluations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    pub state: AlertState,
    /// When the current state began.
    pub since: DateTime<Utc>,
}

impl Tracker {
    pub fn new(at: DateTime<Utc>) -> Self {
        Tracker {
            state: AlertState::Normal,
            since: at,
        }
    }
}

/// A change of state, with the value that caused it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub at: DateTime<Utc>,
    pub from: AlertState,
    pub to: AlertState,
    pub value: Option<f64>,
}

/// Advances `tracker` by one evaluation at `at`; returns the transition, if any.
pub fn step(rule: &Thresholds, tracker: &mut Tracker, at: DateTime<Utc>, seen: &Observation) -> Option<Transition> {
    use AlertState::*;
    let firing = tracker.state == Firing;
    let next = match seen {
        Observation::Error(_) => (!firing).then_some(Error),
        Observation::NoData => match rule.no_data {
            NoDataPolicy::Alert => Some(on_breach(rule, tracker, at)),
            NoDataPolicy::Ok => Some(on_good(tracker)),
            NoDataPolicy::Keep => (!firing).then_some(NoData),
        },
        Observation::Value(value) if firing => Some(if rule.recovers(*value) { Resolved } else { Firing }),
        Observation::Value(value) if rule.breaches(*value) => Some(on_breach(rule, tracker, at)),
        Observation::Value(_) => Some(on_good(tracker)),
    }?;
    if next == tracker.state {
        return None;
    }
    let transition = Transition {
        at,
        from: tracker.state,
        to: next,
        value: seen.value(),
    };
    *tracker = Tracker { state: next, since: at };
    Some(transition)
}

/// The state after a breaching evaluation (the tracker is not firing).
fn on_breach(rule: &Thresholds, tracker: &Tracker, at: DateTime<Utc>) -> AlertState {
    let pending_for = match tracker.state {
        AlertState::Pending => at - tracker.since,
        AlertState::Firing => return AlertState::Firing,
        _ => Duration::zero(),
    };
    if pending_for >= Duration::seconds(rule.for_secs) {
        AlertState::Firing
    } else {
        AlertState::Pending
    }
}

/// The state after a good evaluation (the tracker is not firing).
fn on_good(tracker: &Tracker) -> AlertState {
    match tracker.state {
        AlertState::Firing => AlertState::Resolved,
        // Resolved rests as it is; everything else is back to normal.
        AlertState::Resolved => AlertState::Resolved,
        _ => AlertState::Normal,
    }
}

/// When a backtested rule fired, and when it resolved (if it did in range).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    pub fired_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The value that made it fire.
    pub value: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub every_secs: i64,
    pub evaluations: usize,
    pub transitions: Vec<Transition>,
    pub episodes: Vec<Episode>,
}

/// Firing periods from a rule's transitions.
pub fn episodes(transitions: &[Transition]) -> Vec<Episode> {
    let mut found: Vec<Episode> = Vec::new();
    for transition in transitions {
        match transition.to {
            AlertState::Firing => found.push(Episode {
                fired_at: transition.at,
                resolved_at: None,
                value: transition.value,
            }),
            AlertState::Resolved => {
                if let Some(open) = found.last_mut().filter(|e| e.resolved_at.is_none()) {
                    open.resolved_at = Some(transition.at);
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use AlertState::*;

    const EVERY: i64 = 15;

    fn t(tick: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_000_000 + tick * EVERY, 0)
            .single()
            .expect("instant")
    }

    fn rule(for_secs: i64, recovery: Option<f64>, no_data: NoDataPolicy) -> Thresholds {
        Thresholds {
            comparator: Comparator::Gt,
            threshold: 100.0,
            recovery,
            for_secs,
            no_data,
        }
    }

    /// The states after each observation, one tick apart.
    fn run(rule: &Thresholds, seen: &[Observation]) -> Vec<AlertState> {
        let mut tracker = Tracker::new(t(0));
        seen.iter()
            .enumerate()
            .map(|(i, o)| {
                step(rule, &mut tracker, t(i as i64 + 1), o);
                tracker.state
            })
            .collect()
    }

    fn values(vs: &[f64]) -> Vec<Observation> {
        vs.iter().map(|v| Observation::Value(*v)).collect()
    }

    #[test]
    fn without_a_pending_period_a_breach_fires_at_once_and_resolves_below() {
        let r = rule(0, None, NoDataPolicy::Keep);
        assert_eq!(
            run(&r, &values(&[50.0, 150.0, 150.0, 90.0, 95.0])),
            [Normal, Firing, Firing, Resolved, Resolved]
        );
    }

    #[test]
    fn the_pending_period_must_pass_while_breaching() {
        // for = 30 s = two ticks after the first breach.
        let r = rule(30, None, NoDataPolicy::Keep);
        assert_eq!(
            run(&r, &values(&[150.0, 150.0, 150.0, 150.0])),
            [Pending, Pending, Firing, Firing]
        );
        // A good value while pending starts over.
        assert_eq!(
            run(&r, &values(&[150.0, 150.0, 50.0, 150.0, 150.0, 150.0])),
            [Pending, Pending, Normal, Pending, Pending, Firing]
        );
    }

    #[test]
    fn hysteresis_keeps_a_firing_alert_until_the_recovery_threshold() {
        let r = rule(0, Some(80.0), NoDataPolicy::Keep);
        assert_eq!(
            run(&r, &values(&[150.0, 99.0, 85.0, 101.0, 79.0, 90.0])),
            [Firing, Firing, Firing, Firing, Resolved, Resolved]
        );
    }

    #[test]
    fn a_new_breach_after_resolving_goes_through_pending_again() {
        let r = rule(15, None, NoDataPolicy::Keep);
        assert_eq!(
            run(&r, &values(&[150.0, 150.0, 50.0, 150.0, 150.0])),
            [Pending, Firing, Resolved, Pending, Firing]
        );
    }

    #[test]
    fn no_data_policies() {
        let nodata = Observation::NoData;
        let v = Observation::Value;
        let keep = rule(0, None, NoDataPolicy::Keep);
        assert_eq!(
            run(&keep, &[nodata.clone(), v(150.0), nodata.clone(), v(50.0)]),
            [NoData, Firing, Firing, Resolved]
        );
        let alert = rule(15, None, NoDataPolicy::Alert);
        assert_eq!(
            run(&alert, &[nodata.clone(), nodata.clone(), v(50.0)]),
            [Pending, Firing, Resolved]
        );
        let ok = rule(0, None, NoDataPolicy::Ok);
        assert_eq!(
            run(&ok, &[v(150.0), nodata.clone(), nodata.clone()]),
            [Firing, Resolved, Resolved]
        );
    }

    #[test]
    fn query_errors_show_but_do_not_resolve_a_firing_alert() {
        let r = rule(0, None, NoDataPolicy::Keep);
        let error = Observation::Error("timeout".into());
        assert_eq!(
            run(
                &r,
                &[
                    error.clone(),
                    Observation::Value(150.0),
                    error,
                    Observation::Value(50.0)
                ]
            ),
            [Error, Firing, Firing, Resolved]
        );
    }

    #[test]
    fn transitions_carry_the_value_and_the_time() {
        let r = rule(0, None, NoDataPolicy::Keep);
        let mut tracker = Tracker::new(t(0));
        assert_eq!(step(&r, &mut tracker, t(1), &Observation::Value(50.0)), None);
        let fired = step(&r, &mut tracker, t(2), &Observation::Value(150.0)).expect("fires");
        assert_eq!(
            (fired.from, fired.to, fired.value, fired.at),
            (Normal, Firing, Some(150.0), t(2))
        );
        assert_eq!(tracker.since, t(2));
    }

    /// A small deterministic generator, so the property runs are repeatable.
    fn noise(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn values_flapping_between_the_thresholds_never_flap_the_alert() {
        // Property: after firing, any sequence of values above the recovery
        // threshold (80) keeps it firing; a sequence that then drops below
        // resolves it exactly once.
        let r = rule(30, Some(80.0), NoDataPolicy::Keep);
        let mut seed = 7;
        for _ in 0..500 {
            let mut tracker = Tracker::new(t(0));
            let mut transitions = Vec::new();
            let mut tick = 1;
            for _ in 0..3 {
                transitions.extend(step(&r, &mut tracker, t(tick), &Observation::Value(150.0)));
                tick += 1;
            }
            assert_eq!(tracker.state, Firing);
            for _ in 0..50 {
                let hovering = 80.5 + noise(&mut seed) * 40.0;
                transitions.extend(step(&r, &mut tracker, t(tick), &Observation::Value(hovering)));
                tick += 1;
            }
            assert_eq!(tracker.state, Firing, "hovering between 80 and 120 keeps it firing");
            transitions.extend(step(&r, &mut tracker, t(tick), &Observation::Value(10.0)));
            let states: Vec<_> = transitions.iter().map(|t| t.to).collect();
            assert_eq!(states, [Pending, Firing, Resolved]);
        }
    }

    #[test]
    fn any_sequence_fires_only_after_for_of_continuous_breach() {
        // Property: whenever the tracker enters Firing, the previous
        // `for / every` evaluations (and this one) all breached.
        let r = rule(45, None, NoDataPolicy::Keep);
        let mut seed = 42;
        for _ in 0..200 {
            let seen: Vec<f64> = (0..60).map(|_| noise(&mut seed) * 200.0).collect();
            let mut tracker = Tracker::new(t(0));
            for (i, value) in seen.iter().enumerate() {
                let transition = step(&r, &mut tracker, t(i as i64 + 1), &Observation::Value(*value));
                if transition.is_some_and(|t| t.to == Firing) {
                    let needed = (45 / EVERY) as usize;
                    assert!(i >= needed, "fired at evaluation {i}");
                    assert!(
                        seen[i - needed..=i].iter().all(|v| *v > 100.0),
                        "{:?}",
                        &seen[i - needed..=i]
                    );
                }
            }
        }
    }
}
