//! A scrape's exposition (the Prometheus text format, or OpenMetrics text)
//! read into metric points with the `prometheus-parse` crate, checked as
//! OTLP points are (`server/src/http/otlp/metrics/convert.rs`).
//!
//! - counter → a cumulative, monotonic sum; gauge, untyped, and
//!   OpenMetrics' unknown, info and stateset → a gauge. An OpenMetrics
//!   counter `foo` exposes `foo_total`: the point keeps that sample name, as
//!   Prometheus does.
//! - histogram → one cumulative distribution per label set (without `le`):
//!   per-bucket counts from the cumulative `_bucket` counts, count from
//!   `_count` (else the `+Inf` bucket), sum from `_sum` (else 0).
//! - summary → a cumulative distribution of its quantiles (a NaN quantile,
//!   as an empty summary exposes, is left out), count and sum.
//! - `_created` samples, `# HELP`, `# UNIT`, exemplars and everything from
//!   `# EOF` on are ignored; gaugehistograms are skipped with a reason.
//!
//! The crate reads some lines wrong or not at all without saying so; they
//! are screened first and skipped with a reason: a label value holding a
//! comma, `=` or `}`, or ending in an escaped quote; a metric name with `:`;
//! a value that is not a number. In label values `\\` and `\"` are
//! unescaped, `\n` stays those two characters (labels hold no control
//! characters). OpenMetrics timestamps are seconds: whole ones are read,
//! fractional ones the crate cannot read, so such samples take the scrape's
//! time. Timestamps are not checked against the retention window here.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use prometheus_parse::{Scrape, Value};

use crate::metrics::ingest::{MAX_LABELS, MAX_NAME_CHARS, checked_label, checked_text};
use crate::metrics::ssr::points::{DISTRIBUTION_SUFFIXES, Point, Reading, Series};

use family::{Family, Role, counter, finite, role};
use lines::{Screen, clip, labels_of};

mod family;
mod lines;
#[cfg(test)]
mod tests;

/// Most points one scrape yields; the rest are skipped with one reason.
pub const MAX_POINTS: usize = 100_000;
/// Most skip reasons kept ([`Parsed::skipped_count`] counts them all).
pub const MAX_REASONS: usize = 20;
/// Most buckets one histogram may hold (as over OTLP).
pub const MAX_BUCKETS: usize = 1_000;
/// Longest text quoted from the exposition in a reason.
const QUOTED_CHARS: usize = 120;

/// What one scrape's exposition holds, as points of its service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// The points read, in the exposition's order (distributions last).
    pub points: Vec<Point>,
    /// Series read, kept or skipped (each histogram or summary counts once).
    pub series: usize,
    /// Why samples or lines were skipped: at most [`MAX_REASONS`].
    pub skipped: Vec<String>,
    /// How many samples or lines were skipped.
    pub skipped_count: usize,
}

impl Parsed {
    fn skip(&mut self, reason: String) {
        self.skipped_count += 1;
        if self.skipped.len() < MAX_REASONS {
            self.skipped.push(reason);
        }
    }
}

/// Parses the Prometheus text exposition format (and OpenMetrics text: a
/// `# EOF` line, `# UNIT`, `_created` series are tolerated) into points of
/// `service`, with the prometheus-parse crate; see the module's rules. Every
/// point's labels are its sample's plus `target_labels` (which win), its
/// time the sample's own, else `at`. Never fails: a body that is not an
/// exposition gives no points and one reason.
pub fn parse(text: &str, service: &str, target_labels: &BTreeMap<String, String>, at: DateTime<Utc>) -> Parsed {
    let mut parsed = Parsed::default();
    if let Err((field, message)) = checked_text("service", service, MAX_NAME_CHARS, false) {
        parsed.skip(format!("{field} {message}"));
        return parsed;
    }
    let mut screen = Screen::default();
    let mut kept = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line == "# EOF" {
            screen.open_metrics = true;
            break;
        }
        if screen.keeps(line, n + 1, &mut parsed) {
            kept.push(line);
        }
    }
    let scrape = match Scrape::parse_at(kept.into_iter().map(|line| Ok(line.to_string())), at) {
        Ok(scrape) => scrape,
        Err(error) => {
            parsed.skip(format!("the exposition could not be read: {error}"));
            return parsed;
        }
    };
    let mut reader = Reader {
        service,
        target_labels,
        at,
        open_metrics: screen.open_metrics,
        seen: HashSet::new(),
        over: 0,
    };
    let mut families: BTreeMap<(String, BTreeMap<String, String>), Family> = BTreeMap::new();
    for sample in scrape.samples {
        let labels = labels_of(&sample.labels);
        let (name, ts) = (sample.metric, sample.timestamp);
        let reading = match sample.value {
            Value::Counter(value) => counter(value),
            Value::Gauge(value) => finite("value", value).map(Reading::Gauge),
            Value::Untyped(value) => match role(&name, &screen.types) {
                Role::Part { base, sum, histogram } => {
                    let family = families.entry((base, labels)).or_default();
                    family.histogram = histogram;
                    family.ts.get_or_insert(ts);
                    *(if sum { &mut family.sum } else { &mut family.count }) = Some(value);
                    continue;
                }
                Role::Created => continue,
                Role::Counter => counter(value),
                Role::Gauge => finite("value", value).map(Reading::Gauge),
                Role::Refused(why) => Err(why.to_string()),
            },
            Value::Histogram(buckets) => {
                let family = families.entry((name, labels)).or_default();
                (family.histogram, family.buckets) = (true, buckets);
                family.ts.get_or_insert(ts);
                continue;
            }
            Value::Summary(quantiles) => {
                let family = families.entry((name, labels)).or_default();
                family.quantiles = quantiles;
                family.ts.get_or_insert(ts);
                continue;
            }
        };
        parsed.series += 1;
        reader.push(&mut parsed, name, labels, ts, reading, MAX_NAME_CHARS);
    }
    let longest = MAX_NAME_CHARS - DISTRIBUTION_SUFFIXES.iter().map(|s| s.len()).max().unwrap_or(0);
    for ((name, labels), family) in families {
        parsed.series += 1;
        let reading = family.distribution().map(|distribution| Reading::Distribution {
            cumulative: true,
            distribution,
        });
        reader.push(&mut parsed, name, labels, family.ts.unwrap_or(at), reading, longest);
    }
    if reader.over > 0 {
        parsed.skipped_count += reader.over;
        let reason = format!(
            "only the first {MAX_POINTS} points are kept: {} more skipped",
            reader.over
        );
        parsed.skipped.insert(0, reason);
        parsed.skipped.truncate(MAX_REASONS);
    }
    if parsed.series == 0 && !parsed.skipped.is_empty() {
        parsed.skipped = vec![format!(
            "no metric could be read; the first problem: {}",
            parsed.skipped[0]
        )];
    }
    parsed
}

/// Turns readings into checked points.
struct Reader<'a> {
    service: &'a str,
    target_labels: &'a BTreeMap<String, String>,
    at: DateTime<Utc>,
    open_metrics: bool,
    seen: HashSet<Series>,
    /// Points past [`MAX_POINTS`].
    over: usize,
}

impl Reader<'_> {
    fn push(
        &mut self,
        parsed: &mut Parsed,
        name: String,
        labels: BTreeMap<String, String>,
        ts: DateTime<Utc>,
        reading: Result<Reading, String>,
        longest: usize,
    ) {
        if parsed.points.len() >= MAX_POINTS {
            self.over += 1;
            return;
        }
        match self.point(name, labels, ts, reading, longest) {
            Ok(point) => parsed.points.push(point),
            Err(reason) => parsed.skip(reason),
        }
    }

    /// The checked point, or why not (naming the series by its own
    /// labels: the target's are the same on every point).
    fn point(
        &mut self,
        name: String,
        mut labels: BTreeMap<String, String>,
        ts: DateTime<Utc>,
        reading: Result<Reading, String>,
        longest: usize,
    ) -> Result<Point, String> {
        labels.extend(
            self.target_labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        let hidden = self.target_labels;
        let fail = |why: &str| format!("{}: {why}", describe(&name, &labels, hidden));
        let reading = reading.map_err(|why| fail(&why))?;
        let problem = checked_text("name", &name, longest, false).err().or_else(|| {
            (labels.len() > MAX_LABELS).then(|| ("labels".into(), format!("must hold at most {MAX_LABELS} labels")))
        });
        let problem = problem.or_else(|| labels.iter().find_map(|(key, value)| checked_label(key, value).err()));
        if let Some((field, message)) = problem {
            return Err(fail(&format!("{field} {message}")));
        }
        let series = Series {
            service: self.service.to_string(),
            name,
            labels,
        };
        if !self.seen.insert(series.clone()) {
            let series = describe(&series.name, &series.labels, hidden);
            return Err(format!("{series}: the series appears twice"));
        }
        Ok(Point {
            series,
            start: None,
            ts: self.when(ts),
            reading,
            requests: None,
        })
    }

    /// A sample's time: its own (OpenMetrics' in seconds, which the crate
    /// read as milliseconds), else the scrape's; to the microsecond.
    fn when(&self, ts: DateTime<Utc>) -> DateTime<Utc> {
        let ts = if ts != self.at && self.open_metrics {
            DateTime::from_timestamp(ts.timestamp_millis(), 0).unwrap_or(self.at)
        } else {
            ts
        };
        ts.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(ts)
    }
}

/// A series as a reason names it: without the `hidden` labels, clipped.
fn describe(name: &str, labels: &BTreeMap<String, String>, hidden: &BTreeMap<String, String>) -> String {
    let mut text = clip(name);
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, _)| !hidden.contains_key(*key))
        .map(|(key, value)| format!("{key}=\"{value}\""))
        .collect();
    if !pairs.is_empty() {
        text = format!("{text}{{{}}}", clip(&pairs.join(",")));
    }
    text
}
