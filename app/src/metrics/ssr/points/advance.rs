//! A cumulative series' next point against its last one: the interval's
//! rate (monotonic sums) or delta (histograms, summaries).

use chrono::{DateTime, TimeDelta, Utc};

use super::{Distribution, Point, Reading};

/// How old a series' start may be for its first point to count whole.
pub const FRESH_START: TimeDelta = TimeDelta::minutes(10);

/// What a cumulative series reported last (a row of `otlp_cumulative`).
#[derive(Clone, Debug, PartialEq)]
pub struct Previous {
    pub start: Option<DateTime<Utc>>,
    pub ts: DateTime<Utc>,
    /// A sum's value, or a distribution's count.
    pub count: f64,
    pub sum: f64,
    pub bounds: Vec<f64>,
    pub buckets: Vec<f64>,
}

/// What one point adds once compared.
#[derive(Clone, Debug, PartialEq)]
pub enum Delta {
    Gauge(f64),
    Counter(f64),
    Distribution(Distribution),
}

/// The point's contribution, and the series' new last point when it is
/// cumulative and newer than `previous` (`None`: keep what is stored).
pub fn advance(previous: Option<&Previous>, point: &Point) -> (Option<Delta>, Option<Previous>) {
    if !point.is_cumulative() {
        let delta = match &point.reading {
            Reading::Gauge(value)
            | Reading::Sum {
                cumulative: true,
                value,
                ..
            } => Delta::Gauge(*value),
            Reading::Sum { value, .. } => Delta::Counter(*value),
            Reading::Distribution { distribution, .. } => Delta::Distribution(distribution.clone()),
        };
        return (Some(delta), None);
    }
    if previous.is_some_and(|previous| point.ts <= previous.ts) {
        return (None, None);
    }
    let now = last_of(point);
    let continues = previous
        .filter(|previous| previous.start == point.start && now.count >= previous.count && same_kind(previous, &now));
    let delta = match (&point.reading, continues) {
        (Reading::Sum { value, .. }, Some(previous)) => {
            seconds(previous.ts, point.ts).map(|seconds| Delta::Gauge((value - previous.count) / seconds))
        }
        (Reading::Sum { value, .. }, None) => fresh_seconds(point).map(|seconds| Delta::Gauge(value / seconds)),
        (Reading::Distribution { distribution, .. }, Some(previous)) => {
            Some(Delta::Distribution(distribution.since(&as_distribution(previous))))
        }
        (Reading::Distribution { distribution, .. }, None) => {
            fresh_seconds(point).map(|_| Delta::Distribution(distribution.clone()))
        }
        (Reading::Gauge(_), _) => None,
    };
    (delta, Some(now))
}

/// A sum's state has no buckets; a histogram with buckets never follows one.
fn same_kind(previous: &Previous, now: &Previous) -> bool {
    previous.bounds.is_empty() == now.bounds.is_empty()
}

/// Seconds since the point's start, when that start is fresh enough to count from.
fn fresh_seconds(point: &Point) -> Option<f64> {
    let start = point.start?;
    (point.ts - start <= FRESH_START)
        .then(|| seconds(start, point.ts))
        .flatten()
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
    let seconds = (to - from).num_microseconds()? as f64 / 1e6;
    (seconds > 0.0).then_some(seconds)
}

/// The point as the series' last point.
fn last_of(point: &Point) -> Previous {
    let (count, sum, bounds, buckets) = match &point.reading {
        Reading::Gauge(value) | Reading::Sum { value, .. } => (*value, 0.0, Vec::new(), Vec::new()),
        Reading::Distribution { distribution, .. } => (
            distribution.count,
            distribution.sum,
            distribution.bounds.clone(),
            distribution.buckets.clone(),
        ),
    };
    Previous {
        start: point.start,
        ts: point.ts,
        count,
        sum,
        bounds,
        buckets,
    }
}

fn as_distribution(previous: &Previous) -> Distribution {
    Distribution {
        count: previous.count,
        sum: previous.sum,
        bounds: previous.bounds.clone(),
        buckets: previous.buckets.clone(),
        ..Distribution::default()
    }
}
