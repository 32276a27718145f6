//! A point's contribution as metric samples and request rollups.

use crate::metrics::ssr::merged::Merged;
use crate::metrics::{MetricKind, MetricSample};

use super::advance::Delta;
use super::{Distribution, Point};

/// Percentiles a distribution's samples carry, and their name suffixes.
const PERCENTILES: [(f64, &str); 3] = [(0.5, ".p50"), (0.95, ".p95"), (0.99, ".p99")];

/// The samples `delta` of `point` stands for (see the module's table).
pub fn samples_of(point: &Point, delta: &Delta) -> Vec<MetricSample> {
    let sample = |suffix: &str, value: f64, kind: MetricKind| MetricSample {
        service: point.series.service.clone(),
        name: format!("{}{suffix}", point.series.name),
        value,
        labels: point.series.labels.clone(),
        ts: point.ts,
        kind,
    };
    match delta {
        Delta::Gauge(value) => vec![sample("", *value, MetricKind::Gauge)],
        Delta::Counter(value) => vec![sample("", *value, MetricKind::Counter)],
        Delta::Distribution(distribution) => {
            let mut samples = vec![
                sample(".count", distribution.count, MetricKind::Counter),
                sample(".sum", distribution.sum, MetricKind::Counter),
            ];
            if distribution.count > 0.0 {
                samples.extend(PERCENTILES.iter().filter_map(|(q, suffix)| {
                    distribution
                        .quantile(*q)
                        .map(|value| sample(suffix, value, MetricKind::Gauge))
                }));
            }
            samples.retain(|sample| sample.value.is_finite());
            samples
        }
    }
}

/// The requests an `http.server.request.duration` point's interval holds,
/// merged as one rollup row would be; `None` for other points, or when the
/// interval's buckets are unknown (a bucket layout change).
pub fn requests_of(point: &Point, distribution: &Distribution) -> Option<Merged<()>> {
    let series = point.requests.as_ref()?;
    let histogram = distribution.latencies(series.to_ms)?;
    let count = i64::try_from(histogram.count()).ok().filter(|count| *count > 0)?;
    let (smallest, largest) = (
        histogram.quantile(0.0).unwrap_or_default(),
        histogram.quantile(1.0).unwrap_or_default(),
    );
    Some(Merged {
        key: (),
        count,
        errors: if series.error { count } else { 0 },
        sum_ms: distribution.sum.max(0.0) * series.to_ms,
        min_ms: distribution.min.map_or(smallest, |min| min * series.to_ms),
        max_ms: distribution.max.map_or(largest, |max| max * series.to_ms),
        histogram,
    })
}
