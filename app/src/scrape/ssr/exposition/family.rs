//! What an untyped sample is by its name, and a histogram's or summary's
//! samples made one distribution.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use prometheus_parse::{HistogramCount, SummaryCount};

use crate::metrics::ingest::MAX_SAMPLE_VALUE;
use crate::metrics::ssr::points::{Distribution, Reading};

use super::MAX_BUCKETS;

/// What an untyped sample is, by its name and the `# TYPE` lines.
pub(super) enum Role {
    /// `_sum` or `_count` of a histogram or summary `base`.
    Part { base: String, sum: bool, histogram: bool },
    /// `_created` of a counter, histogram or summary: ignored.
    Created,
    /// `_total` of an OpenMetrics counter.
    Counter,
    /// Untyped, unknown, info, stateset or gauge: read as a gauge.
    Gauge,
    /// Not read, for this reason.
    Refused(&'static str),
}

/// `name`'s role among the families the `# TYPE` lines (`types`) declare.
pub(super) fn role(name: &str, types: &HashMap<String, String>) -> Role {
    let kind = |base: &str| types.get(base).map(String::as_str);
    let of = |suffix: &str| name.strip_suffix(suffix).map(|base| (base, kind(base)));
    for (suffix, sum) in [("_sum", true), ("_count", false)] {
        if let Some((base, Some(found @ ("histogram" | "summary")))) = of(suffix) {
            let (base, histogram) = (base.to_string(), found == "histogram");
            return Role::Part { base, sum, histogram };
        }
    }
    if let Some((base, found)) = of("_created")
        && (matches!(found, Some("counter" | "histogram" | "summary"))
            || kind(&format!("{base}_total")) == Some("counter"))
    {
        return Role::Created;
    }
    if let Some((_, Some("counter"))) = of("_total") {
        return Role::Counter;
    }
    let gauge_histogram = ["_bucket", "_gcount", "_gsum"]
        .iter()
        .any(|suffix| matches!(of(suffix), Some((_, Some("gaugehistogram")))));
    if gauge_histogram || kind(name) == Some("gaugehistogram") {
        return Role::Refused("gaugehistograms are not supported");
    }
    if matches!(of("_bucket"), Some((_, Some("histogram")))) || kind(name) == Some("histogram") {
        return Role::Refused("a histogram sample without a readable `le` label");
    }
    if kind(name) == Some("summary") {
        return Role::Refused("a summary sample without a readable `quantile` label");
    }
    Role::Gauge
}

/// A counter's value as a cumulative, monotonic sum.
pub(super) fn counter(value: f64) -> Result<Reading, String> {
    let value = finite("value", value)?;
    if value < 0.0 {
        return Err("a counter must not be negative".into());
    }
    Ok(Reading::Sum {
        cumulative: true,
        monotonic: true,
        value,
    })
}

/// `value` when finite, within ±1e300; else why not.
pub(super) fn finite(what: &str, value: f64) -> Result<f64, String> {
    if value.is_nan() {
        Err(format!("{what} is NaN"))
    } else if value.is_infinite() {
        Err(format!("{what} is infinite"))
    } else if value.abs() > MAX_SAMPLE_VALUE {
        Err(format!("{what} is beyond ±1e300"))
    } else {
        Ok(value)
    }
}

/// A histogram's or summary's samples of one label set.
#[derive(Default)]
pub(super) struct Family {
    pub histogram: bool,
    pub buckets: Vec<HistogramCount>,
    pub quantiles: Vec<SummaryCount>,
    pub sum: Option<f64>,
    pub count: Option<f64>,
    pub ts: Option<DateTime<Utc>>,
}

impl Family {
    pub fn distribution(&self) -> Result<Distribution, String> {
        let count = self.count.map(|count| finite("_count", count)).transpose()?;
        if count.is_some_and(|count| count < 0.0) {
            return Err("_count is negative".into());
        }
        let sum = finite("_sum", self.sum.unwrap_or(0.0))?;
        if !self.histogram {
            let count = count.ok_or("the summary has no _count")?;
            let mut quantiles = Vec::with_capacity(self.quantiles.len());
            for quantile in &self.quantiles {
                if !(0.0..=1.0).contains(&quantile.quantile) {
                    return Err(format!("quantile {} is not from 0 to 1", quantile.quantile));
                }
                if !quantile.count.is_nan() {
                    quantiles.push((quantile.quantile, finite("a quantile's value", quantile.count)?));
                }
            }
            quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
            return Ok(Distribution {
                count,
                sum,
                quantiles,
                ..Distribution::default()
            });
        }
        if self.buckets.len() > MAX_BUCKETS {
            return Err(format!("more than {MAX_BUCKETS} buckets"));
        }
        let mut cumulative = Vec::with_capacity(self.buckets.len());
        for bucket in &self.buckets {
            if bucket.less_than.is_nan() || bucket.less_than == f64::NEG_INFINITY {
                return Err(format!("a bucket's le is {}", bucket.less_than));
            }
            let count = finite("a bucket count", bucket.count)?;
            if count < 0.0 {
                return Err("a bucket count is negative".into());
            }
            cumulative.push((bucket.less_than, count));
        }
        cumulative.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in cumulative.windows(2) {
            let ((low, below), (high, above)) = (pair[0], pair[1]);
            if low == high {
                return Err(format!("two buckets have le=\"{low}\""));
            }
            if above < below {
                return Err(format!(
                    "bucket counts decrease: le=\"{low}\" counts {below}, le=\"{high}\" {above}"
                ));
            }
        }
        let infinite = cumulative
            .last()
            .filter(|(le, _)| le.is_infinite())
            .map(|(_, count)| *count);
        let bounded = &cumulative[..cumulative.len() - usize::from(infinite.is_some())];
        let count = match (count, infinite) {
            (Some(count), Some(infinite)) if count != infinite => {
                return Err(format!("the +Inf bucket ({infinite}) differs from _count ({count})"));
            }
            (Some(count), _) | (None, Some(count)) => count,
            (None, None) => return Err("the histogram has neither _count nor a +Inf bucket".into()),
        };
        let below = bounded.last().map_or(0.0, |(_, count)| *count);
        if count < below {
            return Err(format!(
                "bucket counts decrease: _count {count} is below the last bucket's {below}"
            ));
        }
        let mut buckets = Vec::with_capacity(bounded.len() + 1);
        let mut previous = 0.0;
        for (_, count) in bounded {
            buckets.push(count - previous);
            previous = *count;
        }
        if !bounded.is_empty() {
            buckets.push(count - below);
        }
        Ok(Distribution {
            count,
            sum,
            bounds: bounded.iter().map(|(le, _)| *le).collect(),
            buckets,
            ..Distribution::default()
        })
    }
}
