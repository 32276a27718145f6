//! A deployment's impact: the service's P95 latency and error rate in the 30
//! minutes before it against the 30 minutes after, and the rule that flags
//! it as notably worse.
//!
//! The windows are whole minutes (the rollups' resolution): "before" ends at
//! the minute the deployment started in, "after" starts at the first whole
//! minute once it finished (or, while it runs, once it started), so minutes
//! in which the deployment was rolling out belong to neither.
//!
//! Worse means, with at least [`MIN_REQUESTS`] requests in each window:
//! P95 up by at least 20 % *and* at least 5 ms (both, so a 1 → 2 ms blip or
//! a 2 % drift on a slow endpoint is not a regression), or the error rate up
//! by at least one percentage point.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

pub const WINDOW_MINUTES: i64 = 30;
/// Fewer requests than this in either window: too little to judge.
pub const MIN_REQUESTS: i64 = 20;
/// P95 after ≥ this × P95 before…
pub const P95_WORSE_RATIO: f64 = 1.2;
/// …and at least this many milliseconds more.
pub const P95_WORSE_MS: f64 = 5.0;
/// Error rate after − before ≥ this (0.01 = one percentage point).
pub const ERROR_RATE_WORSE: f64 = 0.01;

/// One side of the comparison: `[from, to)` and what the service did in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImpactWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub requests: i64,
    pub errors: i64,
    /// 0 without requests.
    pub p95_ms: f64,
}

impl ImpactWindow {
    pub fn empty(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        ImpactWindow {
            from,
            to,
            requests: 0,
            errors: 0,
            p95_ms: 0.0,
        }
    }

    /// errors / requests, 0 to 1.
    pub fn error_rate(&self) -> f64 {
        if self.requests > 0 {
            self.errors as f64 / self.requests as f64
        } else {
            0.0
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Worse,
    NoRegression,
    NotEnoughTraffic,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    pub before: ImpactWindow,
    pub after: ImpactWindow,
    /// Whether the after window has fully passed; until then the numbers are "so far".
    pub complete: bool,
    pub verdict: Verdict,
    pub p95_worse: bool,
    pub errors_worse: bool,
}

impl Impact {
    pub fn judge(before: ImpactWindow, after: ImpactWindow, now: DateTime<Utc>) -> Impact {
        let enough = before.requests >= MIN_REQUESTS && after.requests >= MIN_REQUESTS;
        let p95_worse =
            enough && after.p95_ms >= before.p95_ms * P95_WORSE_RATIO && after.p95_ms - before.p95_ms >= P95_WORSE_MS;
        // Compared with a tolerance: 0.02 − 0.01 is not exactly 0.01 in floating point.
        let errors_worse = enough && after.error_rate() - before.error_rate() >= ERROR_RATE_WORSE - 1e-9;
        let verdict = match (enough, p95_worse || errors_worse) {
            (false, _) => Verdict::NotEnoughTraffic,
            (true, true) => Verdict::Worse,
            (true, false) => Verdict::NoRegression,
        };
        Impact {
            complete: now >= after.to,
            before,
            after,
            verdict,
            p95_worse,
            errors_worse,
        }
    }
}

/// A window `[from, to)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// The before and after windows of a deployment.
pub fn windows(started_at: DateTime<Utc>, finished_at: Option<DateTime<Utc>>) -> (Span, Span) {
    let span = Duration::minutes(WINDOW_MINUTES);
    let before_to = floor_minute(started_at);
    let after_from = ceil_minute(finished_at.unwrap_or(started_at));
    ((before_to - span, before_to), (after_from, after_from + span))
}

fn floor_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).unwrap_or(t)
}

fn ceil_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = floor_minute(t);
    if floor == t { t } else { floor + Duration::minutes(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::at;

    fn window(requests: i64, errors: i64, p95_ms: f64) -> ImpactWindow {
        ImpactWindow {
            requests,
            errors,
            p95_ms,
            ..ImpactWindow::empty(at("2026-11-24T10:00:00Z"), at("2026-11-24T10:30:00Z"))
        }
    }

    fn verdict(before: ImpactWindow, after: ImpactWindow) -> (Verdict, bool, bool) {
        let impact = Impact::judge(before, after, at("2026-11-24T12:00:00Z"));
        (impact.verdict, impact.p95_worse, impact.errors_worse)
    }

    #[test]
    fn windows_are_whole_minutes_around_the_rollout() {
        let ((bf, bt), (af, ato)) = windows(at("2026-11-24T10:15:30Z"), Some(at("2026-11-24T10:18:10Z")));
        assert_eq!((bf, bt), (at("2026-11-24T09:45:00Z"), at("2026-11-24T10:15:00Z")));
        assert_eq!((af, ato), (at("2026-11-24T10:19:00Z"), at("2026-11-24T10:49:00Z")));
        let (_, (af, _)) = windows(at("2026-11-24T10:15:00Z"), None);
        assert_eq!(
            af,
            at("2026-11-24T10:15:00Z"),
            "a start on the minute begins the after window"
        );
    }

    #[test]
    fn p95_must_rise_by_a_fifth_and_five_milliseconds() {
        assert_eq!(verdict(window(100, 0, 100.0), window(100, 0, 120.0)).0, Verdict::Worse);
        assert_eq!(
            verdict(window(100, 0, 100.0), window(100, 0, 119.0)).0,
            Verdict::NoRegression
        );
        assert_eq!(
            verdict(window(100, 0, 10.0), window(100, 0, 14.9)).0,
            Verdict::NoRegression,
            "+49 % but under 5 ms"
        );
        assert_eq!(
            verdict(window(100, 0, 10.0), window(100, 0, 15.0)),
            (Verdict::Worse, true, false)
        );
    }

    #[test]
    fn one_more_failing_request_in_a_hundred_is_worse() {
        assert_eq!(
            verdict(window(100, 1, 50.0), window(100, 2, 50.0)),
            (Verdict::Worse, false, true)
        );
        assert_eq!(
            verdict(window(200, 2, 50.0), window(200, 3, 50.0)).0,
            Verdict::NoRegression
        );
        assert_eq!(
            verdict(window(100, 5, 50.0), window(100, 0, 20.0)).0,
            Verdict::NoRegression,
            "better"
        );
    }

    #[test]
    fn too_little_traffic_is_not_judged() {
        assert_eq!(
            verdict(window(19, 0, 10.0), window(100, 50, 900.0)).0,
            Verdict::NotEnoughTraffic
        );
        assert_eq!(
            verdict(window(100, 0, 10.0), window(0, 0, 0.0)).0,
            Verdict::NotEnoughTraffic
        );
    }

    #[test]
    fn the_after_window_is_complete_once_it_has_passed() {
        let before = window(100, 0, 1.0);
        let after = window(100, 0, 1.0);
        assert!(!Impact::judge(before.clone(), after.clone(), at("2026-11-24T10:29:59Z")).complete);
        assert!(Impact::judge(before, after, at("2026-11-24T10:30:00Z")).complete);
    }
}
