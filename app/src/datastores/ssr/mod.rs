//! Reading a data store's statistics (`postgres`, `redis`) into a
//! [`Reading`]: gauges as they are, counters as totals that `rates` turns
//! into per-second rates between two readings. `collect` reads Opsdeck's
//! own stores, `targets` the ones admins added.

pub mod activity;
pub mod collect;
pub mod postgres;
pub mod rates;
pub mod redis;
pub mod sessions;
pub mod statements;
pub mod status;
pub mod targets;
pub mod view;

use std::collections::BTreeMap;

/// One named value with its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub name: &'static str,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Value {
    pub fn new(name: &'static str, value: f64) -> Value {
        Value {
            name,
            labels: BTreeMap::new(),
            value,
        }
    }

    pub fn labelled(name: &'static str, label: &str, label_value: &str, value: f64) -> Value {
        Value {
            name,
            labels: BTreeMap::from([(label.to_string(), label_value.to_string())]),
            value,
        }
    }
}

/// A ratio between two counters' increases over the interval (a cache hit
/// ratio): `part / (part + rest)`, left out when neither moved.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratio {
    pub name: &'static str,
    pub part: &'static str,
    pub rest: &'static str,
}

/// What one read of a store gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// Stored as read.
    pub gauges: Vec<Value>,
    /// Totals since the store started; each `name` is the name of its
    /// rate (per second) in the samples.
    pub counters: Vec<Value>,
    /// Ratios of counters' increases (the counters named are read, not stored).
    pub ratios: Vec<Ratio>,
}
