//! An OTLP metric's data points read into checked readings: numbers
//! finite, temporality given, histogram buckets ascending and adding up,
//! an exponential histogram's buckets made explicit.

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogramDataPoint, HistogramDataPoint, NumberDataPoint, SummaryDataPoint, number_data_point,
};

use app::metrics::ingest::MAX_SAMPLE_VALUE;
use app::metrics::ssr::points::{Distribution, Reading};

/// Most buckets one histogram point may hold.
pub const MAX_BUCKETS: usize = 1_000;

const DELTA: i32 = 1;
const CUMULATIVE: i32 = 2;
/// `DataPointFlags.FLAG_NO_RECORDED_VALUE`.
pub const NO_RECORDED_VALUE: u32 = 1;

/// The parts of a data point every kind has.
pub struct Common {
    pub attributes: Vec<KeyValue>,
    pub start: u64,
    pub time: u64,
    pub flags: u32,
}

/// A data point's common parts (every kind names them alike).
macro_rules! common {
    ($p:expr) => {
        Common {
            attributes: $p.attributes,
            start: $p.start_time_unix_nano,
            time: $p.time_unix_nano,
            flags: $p.flags,
        }
    };
}

/// Each data point's common parts and its reading (or why it is refused).
pub fn readings(data: Option<Data>) -> Vec<(Common, Result<Reading, String>)> {
    let temporality = |temporality: i32| match temporality {
        DELTA => Ok(false),
        CUMULATIVE => Ok(true),
        _ => Err("aggregationTemporality must be DELTA or CUMULATIVE".to_string()),
    };
    match data {
        None => Vec::new(),
        Some(Data::Gauge(gauge)) => gauge
            .data_points
            .into_iter()
            .map(|p| number(p, |value| Ok(Reading::Gauge(value))))
            .collect(),
        Some(Data::Sum(sum)) => {
            let cumulative = temporality(sum.aggregation_temporality);
            let monotonic = sum.is_monotonic;
            sum.data_points
                .into_iter()
                .map(|p| {
                    number(p, |value| {
                        cumulative.clone().map(|cumulative| Reading::Sum {
                            cumulative,
                            monotonic,
                            value,
                        })
                    })
                })
                .collect()
        }
        Some(Data::Histogram(histogram)) => {
            let cumulative = temporality(histogram.aggregation_temporality);
            histogram
                .data_points
                .into_iter()
                .map(|p| distribution(&cumulative, explicit(p)))
                .collect()
        }
        Some(Data::ExponentialHistogram(histogram)) => {
            let cumulative = temporality(histogram.aggregation_temporality);
            histogram
                .data_points
                .into_iter()
                .map(|p| distribution(&cumulative, exponential(p)))
                .collect()
        }
        // A summary's count and sum are cumulative by definition.
        Some(Data::Summary(summary)) => summary
            .data_points
            .into_iter()
            .map(|p| distribution(&Ok(true), summary_of(p)))
            .collect(),
    }
}

fn distribution(
    cumulative: &Result<bool, String>,
    (common, distribution): (Common, Result<Distribution, String>),
) -> (Common, Result<Reading, String>) {
    let reading = cumulative.clone().and_then(|cumulative| {
        distribution.map(|distribution| Reading::Distribution {
            cumulative,
            distribution,
        })
    });
    (common, reading)
}

fn number(
    p: NumberDataPoint,
    reading: impl FnOnce(f64) -> Result<Reading, String>,
) -> (Common, Result<Reading, String>) {
    let value = match p.value {
        Some(number_data_point::Value::AsDouble(value)) => finite("value", value),
        Some(number_data_point::Value::AsInt(value)) => Ok(value as f64),
        None => Err("value is required (asDouble or asInt)".to_string()),
    };
    (common!(p), value.and_then(reading))
}

fn finite(field: &str, value: f64) -> Result<f64, String> {
    if value.is_finite() && value.abs() <= MAX_SAMPLE_VALUE {
        Ok(value)
    } else {
        Err(format!("{field} must be a finite number from -1e300 to 1e300"))
    }
}

fn optional(field: &str, value: Option<f64>) -> Result<Option<f64>, String> {
    value.map(|value| finite(field, value)).transpose()
}

fn explicit(p: HistogramDataPoint) -> (Common, Result<Distribution, String>) {
    let checked = (|| {
        let (bounds, buckets) = if p.bucket_counts.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            if p.bucket_counts.len() != p.explicit_bounds.len() + 1 {
                return Err("bucketCounts must hold one count more than explicitBounds".to_string());
            }
            (p.explicit_bounds, p.bucket_counts)
        };
        histogram(bounds, &buckets, p.count, [p.sum, p.min, p.max])
    })();
    (common!(p), checked)
}

/// A histogram point's distribution, its buckets checked ([`buckets_of`])
/// and its `[sum, min, max]` finite (a missing sum counts as 0).
fn histogram(
    bounds: Vec<f64>,
    buckets: &[u64],
    count: u64,
    [sum, min, max]: [Option<f64>; 3],
) -> Result<Distribution, String> {
    buckets_of(&bounds, buckets, count)?;
    Ok(Distribution {
        count: count as f64,
        sum: finite("sum", sum.unwrap_or(0.0))?,
        bounds,
        buckets: buckets.iter().map(|count| *count as f64).collect(),
        min: optional("min", min)?,
        max: optional("max", max)?,
        quantiles: Vec::new(),
    })
}

/// Bounds finite and ascending, at most [`MAX_BUCKETS`], counts adding up to `count`.
fn buckets_of(bounds: &[f64], buckets: &[u64], count: u64) -> Result<(), String> {
    if buckets.len() > MAX_BUCKETS {
        return Err(format!("at most {MAX_BUCKETS} buckets per point"));
    }
    if bounds.iter().any(|bound| !bound.is_finite()) || bounds.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err("bounds must be finite and strictly ascending".to_string());
    }
    let total = buckets.iter().try_fold(0u64, |total, count| total.checked_add(*count));
    match total {
        Some(total) if buckets.is_empty() || total == count => Ok(()),
        Some(total) => Err(format!("bucket counts add up to {total}, not to count {count}")),
        None => Err("bucket counts overflow".to_string()),
    }
}

/// An exponential histogram as explicit buckets: negative buckets, the
/// zero bucket (up to `zeroThreshold`), then the positive buckets, bucket
/// `i` covering (base^i, base^(i+1)] with base = 2^(2^-scale).
fn exponential(p: ExponentialHistogramDataPoint) -> (Common, Result<Distribution, String>) {
    let checked = (|| {
        if !(-10..=20).contains(&p.scale) {
            return Err("scale must be from -10 to 20".to_string());
        }
        let threshold = finite("zeroThreshold", p.zero_threshold)?.max(0.0);
        let bound = |index: i64| (index as f64 * (-f64::from(p.scale)).exp2()).exp2();
        let (mut bounds, mut buckets) = (Vec::new(), Vec::new());
        let negative = p.negative.unwrap_or_default();
        for (k, count) in negative.bucket_counts.iter().enumerate().rev() {
            bounds.push(-bound(i64::from(negative.offset) + k as i64));
            buckets.push(*count);
        }
        bounds.push(threshold);
        buckets.push(p.zero_count);
        let positive = p.positive.unwrap_or_default();
        if !positive.bucket_counts.is_empty() && bound(i64::from(positive.offset)) > threshold {
            bounds.push(bound(i64::from(positive.offset)));
            buckets.push(0);
        }
        for (k, count) in positive.bucket_counts.iter().enumerate() {
            bounds.push(bound(i64::from(positive.offset) + k as i64 + 1));
            buckets.push(*count);
        }
        buckets.push(0);
        histogram(bounds, &buckets, p.count, [p.sum, p.min, p.max])
    })();
    (common!(p), checked)
}

fn summary_of(p: SummaryDataPoint) -> (Common, Result<Distribution, String>) {
    let checked = (|| {
        let mut quantiles = Vec::with_capacity(p.quantile_values.len());
        for value in &p.quantile_values {
            if !(0.0..=1.0).contains(&value.quantile) {
                return Err("quantileValues' quantile must be from 0 to 1".to_string());
            }
            quantiles.push((value.quantile, finite("quantileValues' value", value.value)?));
        }
        Ok(Distribution {
            count: p.count as f64,
            sum: finite("sum", p.sum)?,
            quantiles,
            ..Distribution::default()
        })
    })();
    (common!(p), checked)
}
