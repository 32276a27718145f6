//! The mergeable latency histogram behind every percentile Opsdeck shows.
//!
//! DDSketch-style logarithmic buckets: bucket `i` holds durations in
//! `(γ^(i-1), γ^i]` ms with `γ = (1 + α) / (1 − α)`, α = 1 %. Reading a
//! bucket back as `2·γ^i / (γ + 1)` is within α of every value in it, so a
//! quantile taken from the histogram is within 1 % (relative) of the value
//! exact rank selection (`percentile_disc`) returns over the same durations,
//! however many minutes were merged. Merging is adding counts per bucket,
//! which is what the service rollup upsert (in SQL), the compactor and the
//! range queries do.
//!
//! Durations at or below 1 µs share one "zero" bucket read back as 0: their
//! error is below a microsecond, which no chart can show.

use std::collections::BTreeMap;

/// The relative error bound α of every quantile read from a histogram.
pub const RELATIVE_ACCURACY: f64 = 0.01;
/// γ = (1 + α) / (1 − α).
pub const GAMMA: f64 = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
/// Durations at or below this many ms go to [`ZERO_BUCKET`].
pub const MIN_INDEXABLE_MS: f64 = 1e-3;
/// The bucket of durations at or below [`MIN_INDEXABLE_MS`] (and of anything
/// not a positive number); sorts before every other index.
pub const ZERO_BUCKET: i32 = i32::MIN;

/// The bucket a duration (ms) is counted in.
pub fn bucket_index(duration_ms: f64) -> i32 {
    // NaN is neither: it lands in the zero bucket too.
    if duration_ms.is_nan() || duration_ms <= MIN_INDEXABLE_MS {
        return ZERO_BUCKET;
    }
    // `as` saturates, so +∞ lands in the top bucket instead of wrapping.
    (duration_ms.ln() / GAMMA.ln()).ceil() as i32
}

/// The value a bucket is read back as.
pub fn bucket_value(index: i32) -> f64 {
    if index == ZERO_BUCKET {
        0.0
    } else {
        2.0 * GAMMA.powi(index) / (GAMMA + 1.0)
    }
}

/// Counts per bucket index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: BTreeMap<i32, u64>,
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, duration_ms: f64) {
        self.record_n(duration_ms, 1);
    }

    /// Counts `n` durations of `duration_ms` (a histogram sent already
    /// bucketed, `metrics::ssr::points`).
    pub fn record_n(&mut self, duration_ms: f64, n: u64) {
        if n > 0 {
            *self.counts.entry(bucket_index(duration_ms)).or_default() += n;
        }
    }

    /// Adds the sparse form stored in the rollups (`hist_idx`, `hist_cnt`).
    /// Pairs beyond the shorter array and negative counts are ignored.
    pub fn add_sparse(&mut self, indexes: &[i32], counts: &[i64]) {
        for (index, count) in indexes.iter().zip(counts) {
            if let Ok(count) = u64::try_from(*count) {
                *self.counts.entry(*index).or_default() += count;
            }
        }
    }

    pub fn from_sparse(indexes: &[i32], counts: &[i64]) -> Self {
        let mut histogram = Self::new();
        histogram.add_sparse(indexes, counts);
        histogram
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (index, count) in &other.counts {
            *self.counts.entry(*index).or_default() += count;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The sparse form, ascending by index (what the rollups store).
    pub fn to_sparse(&self) -> (Vec<i32>, Vec<i64>) {
        self.counts
            .iter()
            .map(|(index, count)| (*index, i64::try_from(*count).unwrap_or(i64::MAX)))
            .unzip()
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) with the rank rule of Postgres's
    /// `percentile_disc`: the smallest value whose cumulative share is at
    /// least `q`. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        // u64 → f64 is exact below 2^53 observations.
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, count) in &self.counts {
            seen += count;
            if seen >= rank {
                return Some(bucket_value(*index));
            }
        }
        self.counts.keys().next_back().map(|index| bucket_value(*index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_lies_in_its_bucket_and_reads_back_within_one_percent() {
        let mut value = 0.0011;
        while value < 1e7 {
            let index = bucket_index(value);
            let upper = GAMMA.powi(index);
            let lower = GAMMA.powi(index - 1);
            assert!(
                lower < value * (1.0 + 1e-12) && value <= upper * (1.0 + 1e-12),
                "{value} in ({lower}, {upper}]"
            );
            let error = (bucket_value(index) - value).abs() / value;
            assert!(error <= RELATIVE_ACCURACY + 1e-9, "{value}: error {error}");
            value *= 1.0037;
        }
    }

    #[test]
    fn tiny_zero_negative_and_nan_durations_share_the_zero_bucket() {
        for value in [0.0, -3.0, 0.000_5, MIN_INDEXABLE_MS, f64::NAN] {
            assert_eq!(bucket_index(value), ZERO_BUCKET, "{value}");
        }
        assert_eq!(bucket_value(ZERO_BUCKET), 0.0);
        assert!(bucket_index(f64::INFINITY) > 0);
        assert_eq!(bucket_index(1.0), 0);
    }

    #[test]
    fn merging_adds_counts_and_equals_recording_everything_in_one() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        let mut all = LatencyHistogram::new();
        for i in 0..1000 {
            let value = f64::from(i) * 0.37 + 0.2;
            if i % 3 == 0 {
                a.record(value)
            } else {
                b.record(value)
            }
            all.record(value);
        }
        let (idx, cnt) = b.to_sparse();
        let mut merged = a.clone();
        merged.add_sparse(&idx, &cnt);
        assert_eq!(merged, all);
        a.merge(&b);
        assert_eq!(a, all);
        assert_eq!(all.count(), 1000);
        assert!(idx.windows(2).all(|w| w[0] < w[1]), "sparse form is ascending");
    }

    #[test]
    fn quantiles_stay_within_the_bound_of_exact_rank_selection() {
        // Deterministic, heavy-tailed: a spread over six orders of magnitude.
        let mut values: Vec<f64> = (0..20_000u32)
            .map(|i| {
                let u = (f64::from(i.wrapping_mul(2_654_435_761) % 1_000_003) + 0.5) / 1_000_003.0;
                0.01 * (u * 14.0).exp()
            })
            .collect();
        let mut histogram = LatencyHistogram::new();
        values.iter().for_each(|v| histogram.record(*v));
        values.sort_by(f64::total_cmp);
        for q in [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            let exact = values[rank - 1];
            let estimate = histogram.quantile(q).expect("not empty");
            let error = (estimate - exact).abs() / exact;
            assert!(
                error <= RELATIVE_ACCURACY + 1e-9,
                "q={q}: {estimate} vs {exact} ({error})"
            );
        }
    }

    #[test]
    fn an_empty_histogram_has_no_quantile() {
        assert_eq!(LatencyHistogram::new().quantile(0.5), None);
    }
}
