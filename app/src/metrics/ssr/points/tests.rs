use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::advance::{Delta, Previous, advance};
use super::samples::{requests_of, samples_of};
use super::*;
use crate::metrics::MetricKind;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn point(reading: Reading, start: Option<i64>, ts: i64) -> Point {
    Point {
        series: Series {
            service: "shop".into(),
            name: "orders".into(),
            labels: BTreeMap::from([("region".into(), "eu".into())]),
        },
        start: start.map(at),
        ts: at(ts),
        reading,
        requests: None,
    }
}

fn sum(cumulative: bool, monotonic: bool, value: f64) -> Reading {
    Reading::Sum {
        cumulative,
        monotonic,
        value,
    }
}

fn histogram(count: f64, sum: f64, bounds: &[f64], buckets: &[f64]) -> Distribution {
    Distribution {
        count,
        sum,
        bounds: bounds.to_vec(),
        buckets: buckets.to_vec(),
        ..Distribution::default()
    }
}

fn last(start: i64, ts: i64, count: f64) -> Previous {
    Previous {
        start: Some(at(start)),
        ts: at(ts),
        count,
        sum: 0.0,
        bounds: Vec::new(),
        buckets: Vec::new(),
    }
}

#[test]
fn sums_become_rates_values_or_deltas_by_this_table() {
    // (reading, start, ts, previous, expected contribution)
    type Case = (Reading, Option<i64>, i64, Option<Previous>, Option<Delta>);
    let cases: Vec<Case> = vec![
        // Monotonic cumulative: the rate since the last point.
        (
            sum(true, true, 160.0),
            Some(0),
            70,
            Some(last(0, 10, 100.0)),
            Some(Delta::Gauge(1.0)),
        ),
        // The first point of a fresh series: the rate since its start.
        (sum(true, true, 50.0), Some(0), 10, None, Some(Delta::Gauge(5.0))),
        // The first point of a series started long ago is only the baseline.
        (sum(true, true, 50.0), Some(0), 3_600, None, None),
        // No start time: nothing to count from.
        (sum(true, true, 50.0), None, 10, None, None),
        // A restart (new start time, lower value): the rate since the new start.
        (
            sum(true, true, 20.0),
            Some(100),
            110,
            Some(last(0, 90, 900.0)),
            Some(Delta::Gauge(2.0)),
        ),
        // Older than (or as old as) the last point: ignored.
        (sum(true, true, 200.0), Some(0), 10, Some(last(0, 10, 100.0)), None),
        // Not monotonic (an up-down counter): its value, no state needed.
        (sum(true, false, -3.0), Some(0), 10, None, Some(Delta::Gauge(-3.0))),
        // Deltas are counters, summed per minute.
        (sum(false, true, 7.0), Some(0), 10, None, Some(Delta::Counter(7.0))),
        (Reading::Gauge(0.25), None, 10, None, Some(Delta::Gauge(0.25))),
    ];
    for (reading, start, ts, previous, expected) in cases {
        let point = point(reading.clone(), start, ts);
        let (delta, _) = advance(previous.as_ref(), &point);
        assert_eq!(delta, expected, "{reading:?} after {previous:?}");
    }
}

#[test]
fn only_cumulative_monotonic_points_are_remembered_and_only_when_newer() {
    let rate = point(sum(true, true, 160.0), Some(0), 70);
    let (_, now) = advance(Some(&last(0, 10, 100.0)), &rate);
    assert_eq!(now, Some(last(0, 70, 160.0)));
    assert_eq!(advance(Some(&last(0, 80, 100.0)), &rate).1, None);
    assert_eq!(advance(None, &point(sum(true, false, 1.0), Some(0), 10)).1, None);
    assert_eq!(advance(None, &point(Reading::Gauge(1.0), None, 10)).1, None);
}

#[test]
fn a_cumulative_histogram_contributes_its_interval() {
    let bounds = [10.0, 100.0];
    let before = point(
        Reading::Distribution {
            cumulative: true,
            distribution: histogram(4.0, 80.0, &bounds, &[2.0, 2.0, 0.0]),
        },
        Some(0),
        10,
    );
    let (first, state) = advance(None, &before);
    assert_eq!(
        first,
        Some(Delta::Distribution(histogram(4.0, 80.0, &bounds, &[2.0, 2.0, 0.0]))),
        "a fresh series' first point counts whole"
    );
    let after = point(
        Reading::Distribution {
            cumulative: true,
            distribution: histogram(10.0, 980.0, &bounds, &[2.0, 6.0, 2.0]),
        },
        Some(0),
        70,
    );
    let (delta, _) = advance(state.as_ref(), &after);
    assert_eq!(
        delta,
        Some(Delta::Distribution(histogram(6.0, 900.0, &bounds, &[0.0, 4.0, 2.0])))
    );
}

#[test]
fn buckets_are_matched_by_bound_and_dropped_when_the_layout_changed() {
    let before = histogram(3.0, 3.0, &[1.0, 2.0], &[1.0, 2.0, 0.0]);
    // An exponential histogram whose range grew downwards: one bucket more.
    let grown = histogram(5.0, 4.0, &[0.5, 1.0, 2.0], &[1.0, 2.0, 2.0, 0.0]);
    assert_eq!(grown.since(&before).buckets, vec![1.0, 1.0, 0.0, 0.0]);
    // Re-bucketed (a bound vanished): count and sum only.
    let rebucketed = histogram(5.0, 4.0, &[1.5], &[3.0, 2.0]);
    let delta = rebucketed.since(&before);
    assert_eq!((delta.count, delta.sum, delta.buckets.len()), (2.0, 1.0, 0));
}

#[test]
fn percentiles_interpolate_within_the_bucket_the_rank_falls_in() {
    // 10 values in (0, 10], 10 in (10, 20]: the median is the first bucket's top.
    let even = histogram(20.0, 0.0, &[10.0, 20.0], &[10.0, 10.0, 0.0]);
    assert_eq!(even.quantile(0.5), Some(10.0));
    assert_eq!(even.quantile(0.75), Some(15.0));
    // The open last bucket reads as its lower bound, or the maximum when known.
    let open = histogram(2.0, 0.0, &[10.0], &[0.0, 2.0]);
    assert_eq!(open.quantile(0.99), Some(10.0));
    let known = Distribution {
        max: Some(30.0),
        ..open.clone()
    };
    assert_eq!(known.quantile(1.0), Some(30.0));
    // A summary's own quantiles; nothing when neither says.
    let summary = Distribution {
        quantiles: vec![(0.5, 3.0), (0.99, 9.0)],
        ..Distribution::default()
    };
    assert_eq!((summary.quantile(0.99), summary.quantile(0.95)), (Some(9.0), None));
}

#[test]
fn a_distribution_becomes_count_sum_and_percentile_samples() {
    let p = point(
        Reading::Distribution {
            cumulative: false,
            distribution: histogram(20.0, 250.0, &[10.0, 20.0], &[10.0, 10.0, 0.0]),
        },
        None,
        10,
    );
    let Reading::Distribution { distribution, .. } = &p.reading else {
        unreachable!()
    };
    let samples = samples_of(&p, &Delta::Distribution(distribution.clone()));
    let named: Vec<(&str, f64, MetricKind)> = samples.iter().map(|s| (s.name.as_str(), s.value, s.kind)).collect();
    assert_eq!(
        named,
        vec![
            ("orders.count", 20.0, MetricKind::Counter),
            ("orders.sum", 250.0, MetricKind::Counter),
            ("orders.p50", 10.0, MetricKind::Gauge),
            ("orders.p95", 19.0, MetricKind::Gauge),
            ("orders.p99", 19.8, MetricKind::Gauge),
        ]
    );
    assert!(samples.iter().all(|s| s.labels["region"] == "eu" && s.ts == at(10)));
}

#[test]
fn a_request_duration_histogram_becomes_requests_with_latencies() {
    let mut p = point(Reading::Gauge(0.0), None, 10);
    p.requests = Some(RequestSeries {
        endpoint: "/orders/{id}".into(),
        error: true,
        to_ms: 1000.0,
    });
    // Seconds: 40 requests in (0, 0.1], 60 in (0.1, 0.2].
    let seconds = histogram(100.0, 13.0, &[0.1, 0.2], &[40.0, 60.0, 0.0]);
    let merged = requests_of(&p, &seconds).expect("requests");
    assert_eq!((merged.count, merged.errors), (100, 100));
    assert!((merged.sum_ms - 13_000.0).abs() < 1e-6);
    // The median is the 10th of the 60 in (100, 200] ms: 116.7 ms when spread evenly.
    let p50 = merged.histogram.quantile(0.5).expect("a median");
    assert!((p50 - 116.7).abs() < 116.7 * 0.03, "p50 {p50} near 116.7 ms");
    assert!(merged.max_ms <= 200.0 && merged.min_ms >= 0.0);
    // Without buckets the interval's latencies are unknown: no requests.
    assert!(requests_of(&p, &histogram(100.0, 13.0, &[], &[])).is_none());
    // Other metrics' histograms are not requests.
    p.requests = None;
    assert!(requests_of(&p, &seconds).is_none());
}
