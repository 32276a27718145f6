//! What an SLO burn-rate rule watches: its SLO's events per minute, kept
//! as running totals so any window's burn rate is two look-ups (a 30-day
//! backtest evaluates every 15 seconds). The value at an instant is the
//! lower of the burn rates over the rule's window and over its last
//! twelfth, so the rule fires only while both are over the threshold (the
//! SRE Workbook's multiwindow, multi-burn-rate alerts).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::alerts::Watched;
use crate::alerts::rule::slo_of;
use crate::alerts::state::Observation;
use crate::slo::budget::{Tally, burn_rate};
use crate::slo::ssr::{budget::tallies, store};

/// An SLO's minutes: running totals of events and bad events.
#[derive(Clone, Debug, PartialEq)]
pub struct BurnMinutes {
    pub objective: f64,
    /// The minutes with events, ascending.
    minutes: Vec<DateTime<Utc>>,
    /// Events and bad events up to and including each minute.
    events: Vec<i64>,
    bad: Vec<i64>,
}

impl BurnMinutes {
    /// From per-minute tallies (ascending).
    pub fn new(objective: f64, tallies: &[Tally]) -> BurnMinutes {
        let (mut events, mut bad) = (0, 0);
        let mut out = BurnMinutes {
            objective,
            minutes: Vec::with_capacity(tallies.len()),
            events: Vec::with_capacity(tallies.len()),
            bad: Vec::with_capacity(tallies.len()),
        };
        for tally in tallies.iter().filter(|t| t.events > 0) {
            events += tally.events;
            bad += tally.bad();
            out.minutes.push(tally.start);
            out.events.push(events);
            out.bad.push(bad);
        }
        out
    }

    /// Events and bad events of the minutes in `[from, to)`.
    fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> (i64, i64) {
        let total = |end: usize| match end.checked_sub(1) {
            Some(last) => (self.events[last], self.bad[last]),
            None => (0, 0),
        };
        let (start, end) = (
            self.minutes.partition_point(|m| *m < from),
            self.minutes.partition_point(|m| *m < to),
        );
        let ((e0, b0), (e1, b1)) = (total(start), total(end.max(start)));
        (e1 - e0, b1 - b0)
    }

    /// The burn rate over `[from, to)`; `None` without events.
    pub fn burn(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
        let (events, bad) = self.between(from, to);
        // Rounded to a millionth, so an exact rate (14.4) meets its
        // threshold whatever the float division left.
        burn_rate(events, bad, self.objective).map(|rate| (rate * 1e6).round() / 1e6)
    }

    /// The rule's value at `at` for a window of `window_secs`: the lower of
    /// the two burn rates; no data when either window had no events.
    pub fn value_at(&self, window_secs: i64, at: DateTime<Utc>) -> Observation {
        let long = self.burn(at - Duration::seconds(window_secs), at);
        let short = self.burn(at - Duration::seconds(window_secs / 12), at);
        match (long, short) {
            (Some(long), Some(short)) => Observation::Value(long.min(short)),
            _ => Observation::NoData,
        }
    }
}

/// The minutes of the SLO `watched` names in `[from, to)`. An SLO deleted
/// since (its rules go with it) or a matcher that names none is an error.
pub async fn load(
    conn: &mut PgConnection,
    watched: &Watched,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<BurnMinutes> {
    let id =
        slo_of(&watched.matchers).ok_or_else(|| sqlx::Error::Protocol("a burn-rate rule without its SLO".into()))?;
    let slo = store::get(&mut *conn, id)
        .await?
        .ok_or_else(|| sqlx::Error::Protocol(format!("SLO {id} no longer exists")))?;
    let whole = |t: DateTime<Utc>| chrono::DurationRound::duration_trunc(t, Duration::minutes(1)).unwrap_or(t);
    let per_minute = tallies(conn, &slo.draft, whole(from), to, Duration::minutes(1)).await?;
    Ok(BurnMinutes::new(slo.draft.objective, &per_minute))
}

#[cfg(test)]
mod tests;
