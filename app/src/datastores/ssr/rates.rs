//! Counters become rates per second between two readings of the same
//! store, so a rule can say "deadlocks/s > 0" and a chart shows activity,
//! not an ever-growing total. Nothing is ever reset on the store (tools
//! that call `pg_stat_statements_reset` or `CONFIG RESETSTAT` fight each
//! other); a counter that went down (the store restarted or someone reset
//! it) gives no rate for that interval.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{Reading, Value};
use crate::metrics::{MetricKind, MetricSample};

type Key = (String, &'static str, BTreeMap<String, String>);

/// The previous reading's counters of every store, kept by the collector.
#[derive(Debug, Default)]
pub struct Rates {
    previous: HashMap<Key, (f64, DateTime<Utc>)>,
}

impl Rates {
    /// The samples of `reading` of `service` at `at`: its gauges, the rates
    /// of its counters and its ratios since the previous reading (none on
    /// the first).
    pub fn samples(&mut self, service: &str, reading: &Reading, at: DateTime<Utc>) -> Vec<MetricSample> {
        let sample = |value: &Value, number: f64| MetricSample {
            service: service.to_string(),
            name: value.name.to_string(),
            value: number,
            labels: value.labels.clone(),
            ts: at,
            kind: MetricKind::Gauge,
        };
        let mut samples: Vec<MetricSample> = reading.gauges.iter().map(|g| sample(g, g.value)).collect();
        let mut increases: HashMap<(&'static str, &BTreeMap<String, String>), f64> = HashMap::new();
        for counter in &reading.counters {
            let key = (service.to_string(), counter.name, counter.labels.clone());
            let before = self.previous.insert(key, (counter.value, at));
            let Some((was, then)) = before else { continue };
            let seconds = (at - then).num_milliseconds() as f64 / 1000.0;
            if counter.value < was || seconds <= 0.0 {
                continue;
            }
            let increase = counter.value - was;
            increases.insert((counter.name, &counter.labels), increase);
            samples.push(sample(counter, increase / seconds));
        }
        for ratio in &reading.ratios {
            let unlabelled = BTreeMap::new();
            let part = increases.get(&(ratio.part, &unlabelled));
            let rest = increases.get(&(ratio.rest, &unlabelled));
            if let (Some(part), Some(rest)) = (part, rest)
                && part + rest > 0.0
            {
                samples.push(sample(&Value::new(ratio.name, 0.0), part / (part + rest)));
            }
        }
        samples
    }
}

#[cfg(test)]
mod tests {
    use super::super::Ratio;
    use super::*;

    fn reading(commits: f64, hits: f64, reads: f64) -> Reading {
        Reading {
            gauges: vec![Value::labelled("pg.connections", "state", "active", 3.0)],
            counters: vec![
                Value::new("pg.commits_per_s", commits),
                Value::new("pg.blocks_hit_per_s", hits),
                Value::new("pg.blocks_read_per_s", reads),
            ],
            ratios: vec![Ratio {
                name: "pg.cache_hit_ratio",
                part: "pg.blocks_hit_per_s",
                rest: "pg.blocks_read_per_s",
            }],
        }
    }

    fn value(samples: &[MetricSample], name: &str) -> Option<f64> {
        samples.iter().find(|s| s.name == name).map(|s| s.value)
    }

    #[test]
    fn counters_become_rates_from_the_second_reading_on() {
        let mut rates = Rates::default();
        let start = Utc::now();
        let first = rates.samples("pg", &reading(100.0, 900.0, 100.0), start);
        assert_eq!(value(&first, "pg.connections"), Some(3.0), "gauges at once");
        assert_eq!(
            value(&first, "pg.commits_per_s"),
            None,
            "no rate without a previous reading"
        );
        assert_eq!(value(&first, "pg.cache_hit_ratio"), None);

        let second = rates.samples(
            "pg",
            &reading(130.0, 1890.0, 110.0),
            start + chrono::Duration::seconds(10),
        );
        assert_eq!(value(&second, "pg.commits_per_s"), Some(3.0));
        assert_eq!(
            value(&second, "pg.cache_hit_ratio"),
            Some(0.99),
            "990 hits of 1000 blocks"
        );
    }

    #[test]
    fn a_counter_that_went_down_gives_no_rate_and_starts_again() {
        let mut rates = Rates::default();
        let start = Utc::now();
        rates.samples("pg", &reading(100.0, 0.0, 0.0), start);
        let reset = rates.samples("pg", &reading(5.0, 0.0, 0.0), start + chrono::Duration::seconds(10));
        assert_eq!(value(&reset, "pg.commits_per_s"), None);
        assert_eq!(value(&reset, "pg.cache_hit_ratio"), None, "nothing moved: no ratio");
        let after = rates.samples("pg", &reading(25.0, 0.0, 0.0), start + chrono::Duration::seconds(20));
        assert_eq!(value(&after, "pg.commits_per_s"), Some(2.0));
    }

    #[test]
    fn stores_keep_their_own_previous_readings() {
        let mut rates = Rates::default();
        let start = Utc::now();
        rates.samples("a", &reading(100.0, 0.0, 0.0), start);
        let other = rates.samples("b", &reading(500.0, 0.0, 0.0), start + chrono::Duration::seconds(10));
        assert_eq!(value(&other, "pg.commits_per_s"), None, "b's first reading");
    }
}
