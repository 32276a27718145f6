//! A histogram or summary point: its count and sum, its buckets (explicit
//! upper bounds; an exponential histogram's are computed from its scale),
//! and the percentiles read from them.

use std::collections::HashMap;

use crate::metrics::ssr::histogram::LatencyHistogram;

/// Most evenly spaced values one bucket is spread into for the latency histogram.
const SPREAD: u64 = 16;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Distribution {
    pub count: f64,
    pub sum: f64,
    /// Upper bounds, ascending; `buckets` has one count more (the last
    /// bucket has no upper bound). Both empty when there are no buckets.
    pub bounds: Vec<f64>,
    /// Counts per bucket (not cumulative).
    pub buckets: Vec<f64>,
    /// Smallest and largest value, when the sender knows them.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// A summary's (quantile, value) pairs.
    pub quantiles: Vec<(f64, f64)>,
}

impl Distribution {
    /// The `q`-quantile: from the buckets (linear within the bucket the rank
    /// falls in, as Prometheus's `histogram_quantile`; the open last bucket
    /// reads as its lower bound, or the maximum when known), else from a
    /// summary's value at `q`. `None` when neither says.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total: f64 = self.buckets.iter().sum();
        if total <= 0.0 || self.bounds.is_empty() {
            return self
                .quantiles
                .iter()
                .find(|(at, _)| (at - q).abs() < 1e-9)
                .map(|(_, value)| *value);
        }
        let rank = q.clamp(0.0, 1.0) * total;
        let mut seen = 0.0;
        for (k, count) in self.buckets.iter().enumerate() {
            if *count > 0.0 && seen + count >= rank {
                let (low, high) = self.range(k);
                return Some(low + (high - low) * ((rank - seen) / count).clamp(0.0, 1.0));
            }
            seen += count;
        }
        None
    }

    /// Bucket `k`'s range, narrowed to the known minimum and maximum.
    fn range(&self, k: usize) -> (f64, f64) {
        let first = self.bounds[0];
        let mut low = if k == 0 { first.min(0.0) } else { self.bounds[k - 1] };
        let mut high = self.bounds.get(k).copied().unwrap_or(f64::INFINITY);
        if let Some(min) = self.min.filter(|min| *min > low && *min <= high) {
            low = min;
        }
        if let Some(max) = self.max.filter(|max| *max >= low && *max < high) {
            high = max;
        }
        if high.is_infinite() {
            high = low;
        }
        (low, high)
    }

    /// What was added since `before` (a cumulative series' last point):
    /// count and sum always; buckets matched by their upper bound (an
    /// exponential histogram's range may have grown), kept only when no
    /// bucket shrank or vanished (otherwise the layout changed and the
    /// interval's buckets are unknown). Minimum and maximum are unknown.
    pub fn since(&self, before: &Distribution) -> Distribution {
        let mut then: HashMap<u64, f64> = before.upper_bounds().zip(before.buckets.iter().copied()).collect();
        let buckets: Vec<f64> = self
            .upper_bounds()
            .zip(&self.buckets)
            .map(|(bound, now)| now - then.remove(&bound).unwrap_or(0.0))
            .collect();
        let keep = buckets.iter().all(|count| *count >= 0.0) && then.values().all(|count| *count == 0.0);
        Distribution {
            count: self.count - before.count,
            sum: self.sum - before.sum,
            bounds: if keep { self.bounds.clone() } else { Vec::new() },
            buckets: if keep { buckets } else { Vec::new() },
            min: None,
            max: None,
            quantiles: self.quantiles.clone(),
        }
    }

    /// Each bucket's upper bound (as bits, +∞ for the last), to match buckets by.
    fn upper_bounds(&self) -> impl Iterator<Item = u64> + '_ {
        self.bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .map(f64::to_bits)
    }

    /// The buckets as latency durations (`to_ms` milliseconds per unit):
    /// each bucket's count spread evenly over its range. `None` without buckets.
    pub fn latencies(&self, to_ms: f64) -> Option<LatencyHistogram> {
        if self.bounds.is_empty() {
            return None;
        }
        let mut histogram = LatencyHistogram::new();
        for (k, count) in self.buckets.iter().enumerate() {
            let count = count.round() as u64;
            if count == 0 {
                continue;
            }
            let (low, high) = self.range(k);
            let parts = count.min(SPREAD);
            for part in 0..parts {
                // The first `count % parts` values take one more request.
                let n = count / parts + u64::from(part < count % parts);
                let at = low + (high - low) * (part as f64 + 0.5) / parts as f64;
                histogram.record_n(at.max(0.0) * to_ms, n);
            }
        }
        Some(histogram)
    }
}
