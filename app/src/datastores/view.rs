//! What the Data stores page shows of each store, as a catalogue shared by
//! the server (which reads the samples each entry names) and the page
//! (which draws them): the key numbers, the charts and their lines.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::targets::{DataStoreTarget, StoreKind};
use super::{OWN_POSTGRES, OWN_REDIS};
use crate::health::Status;
use crate::metrics::window::TimeRange;

/// How a number reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percent,
    /// 0 to 1, shown as a percentage.
    Ratio,
    Bytes,
    PerSecond,
    Seconds,
}

impl Unit {
    /// `value` as the page shows it.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Count => format!("{value:.0}"),
            Unit::Percent => format!("{value:.1} %"),
            Unit::Ratio => format!("{:.1} %", value * 100.0),
            Unit::Bytes => crate::backups::human_bytes(value as i64),
            Unit::PerSecond => format!("{value:.1}/s"),
            Unit::Seconds if value >= 120.0 => format!("{:.0} min", value / 60.0),
            Unit::Seconds => format!("{value:.1} s"),
        }
    }

    /// The chart's axis unit; ratios are drawn as percentages, bytes as MB.
    pub fn axis(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent | Unit::Ratio => "%",
            Unit::Bytes => "MB",
            Unit::PerSecond => "/s",
            Unit::Seconds => "s",
        }
    }

    /// A value as the chart draws it.
    pub fn plotted(self, value: f64) -> f64 {
        match self {
            Unit::Ratio => value * 100.0,
            Unit::Bytes => value / 1_000_000.0,
            _ => value,
        }
    }
}

/// One sample series: a metric, optionally one label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Series {
    pub metric: &'static str,
    pub label: Option<(&'static str, &'static str)>,
}

impl Series {
    /// Whether a sample named `name` with `labels` is of this series.
    pub fn matches(&self, name: &str, labels: &std::collections::BTreeMap<String, String>) -> bool {
        self.metric == name
            && self
                .label
                .is_none_or(|(label, value)| labels.get(label).is_some_and(|v| v == value))
    }
}

const fn series(metric: &'static str) -> Series {
    Series { metric, label: None }
}

const fn labelled(metric: &'static str, label: &'static str, value: &'static str) -> Series {
    Series {
        metric,
        label: Some((label, value)),
    }
}

/// A key number: the newest sample of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number {
    pub label: &'static str,
    pub series: Series,
    pub unit: Unit,
}

/// A chart: its lines, each the average of a series per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chart {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: Unit,
    pub lines: &'static [(&'static str, Series)],
}

/// One kind of store's page section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Catalogue {
    pub service: &'static str,
    pub title: &'static str,
    pub numbers: &'static [Number],
    pub charts: &'static [Chart],
}

pub const POSTGRES: Catalogue = Catalogue {
    service: OWN_POSTGRES,
    title: "Postgres",
    numbers: &[
        Number {
            label: "Connections used",
            series: series("pg.connections.used_pct"),
            unit: Unit::Percent,
        },
        Number {
            label: "Cache hit ratio",
            series: series("pg.cache_hit_ratio"),
            unit: Unit::Ratio,
        },
        Number {
            label: "Commits",
            series: series("pg.commits_per_s"),
            unit: Unit::PerSecond,
        },
        Number {
            label: "Longest transaction",
            series: series("pg.transaction.longest_s"),
            unit: Unit::Seconds,
        },
        Number {
            label: "Waiting locks",
            series: series("pg.locks.waiting"),
            unit: Unit::Count,
        },
        Number {
            label: "Database size",
            series: series("pg.database.size_bytes"),
            unit: Unit::Bytes,
        },
        Number {
            label: "Wraparound",
            series: series("pg.wraparound_pct"),
            unit: Unit::Percent,
        },
        Number {
            label: "Replicas",
            series: series("pg.replicas"),
            unit: Unit::Count,
        },
    ],
    charts: &[
        Chart {
            id: "pg-connections-chart",
            title: "Connections by state",
            unit: Unit::Count,
            lines: &[
                ("Active", labelled("pg.connections", "state", "active")),
                ("Idle", labelled("pg.connections", "state", "idle")),
                (
                    "Idle in transaction",
                    labelled("pg.connections", "state", "idle_in_transaction"),
                ),
                ("Waiting on a lock", labelled("pg.connections", "state", "waiting")),
            ],
        },
        Chart {
            id: "pg-transactions-chart",
            title: "Transactions",
            unit: Unit::PerSecond,
            lines: &[
                ("Commits", series("pg.commits_per_s")),
                ("Rollbacks", series("pg.rollbacks_per_s")),
            ],
        },
        Chart {
            id: "pg-cache-chart",
            title: "Cache hit ratio",
            unit: Unit::Ratio,
            lines: &[("Blocks found in memory", series("pg.cache_hit_ratio"))],
        },
        Chart {
            id: "pg-rows-chart",
            title: "Rows",
            unit: Unit::PerSecond,
            lines: &[
                ("Fetched", labelled("pg.rows_per_s", "op", "fetched")),
                ("Inserted", labelled("pg.rows_per_s", "op", "inserted")),
                ("Updated", labelled("pg.rows_per_s", "op", "updated")),
                ("Deleted", labelled("pg.rows_per_s", "op", "deleted")),
            ],
        },
        Chart {
            id: "pg-longest-chart",
            title: "Longest transaction",
            unit: Unit::Seconds,
            lines: &[
                ("Running", series("pg.transaction.longest_s")),
                ("Idle in transaction", series("pg.idle_in_transaction.longest_s")),
            ],
        },
        Chart {
            id: "pg-lag-chart",
            title: "Replication lag",
            unit: Unit::Bytes,
            lines: &[("Furthest replica", series("pg.replication.lag_bytes"))],
        },
        Chart {
            id: "pg-size-chart",
            title: "Database size",
            unit: Unit::Bytes,
            lines: &[("Size", series("pg.database.size_bytes"))],
        },
    ],
};

pub const REDIS: Catalogue = Catalogue {
    service: OWN_REDIS,
    title: "Redis",
    numbers: &[
        Number {
            label: "Memory used",
            series: series("redis.memory.used_bytes"),
            unit: Unit::Bytes,
        },
        Number {
            label: "Of maxmemory",
            series: series("redis.memory.used_pct"),
            unit: Unit::Percent,
        },
        Number {
            label: "Hit ratio",
            series: series("redis.hit_ratio"),
            unit: Unit::Ratio,
        },
        Number {
            label: "Operations",
            series: series("redis.ops_per_s"),
            unit: Unit::PerSecond,
        },
        Number {
            label: "Clients",
            series: series("redis.clients.connected"),
            unit: Unit::Count,
        },
        Number {
            label: "Evictions",
            series: series("redis.evictions_per_s"),
            unit: Unit::PerSecond,
        },
        Number {
            label: "Since last save",
            series: series("redis.last_save_age_s"),
            unit: Unit::Seconds,
        },
    ],
    charts: &[
        Chart {
            id: "redis-memory-chart",
            title: "Memory",
            unit: Unit::Bytes,
            lines: &[("Used", series("redis.memory.used_bytes"))],
        },
        Chart {
            id: "redis-hits-chart",
            title: "Hit ratio",
            unit: Unit::Ratio,
            lines: &[("Keys found", series("redis.hit_ratio"))],
        },
        Chart {
            id: "redis-ops-chart",
            title: "Operations",
            unit: Unit::PerSecond,
            lines: &[("Commands", series("redis.ops_per_s"))],
        },
        Chart {
            id: "redis-clients-chart",
            title: "Clients",
            unit: Unit::Count,
            lines: &[
                ("Connected", series("redis.clients.connected")),
                ("Blocked", series("redis.clients.blocked")),
            ],
        },
        Chart {
            id: "redis-keys-chart",
            title: "Evictions and expirations",
            unit: Unit::PerSecond,
            lines: &[
                ("Evicted", series("redis.evictions_per_s")),
                ("Expired", series("redis.expired_per_s")),
            ],
        },
    ],
};

/// The stores the page shows, in order.
pub const CATALOGUES: [Catalogue; 2] = [POSTGRES, REDIS];

/// What a monitored target of `kind` shows: its kind's numbers and charts
/// (the catalogue's `service` is Opsdeck's own; a target's is its own).
pub fn catalogue_of(kind: StoreKind) -> Catalogue {
    match kind {
        StoreKind::Postgres => POSTGRES,
        StoreKind::Redis => REDIS,
    }
}

/// One store as read for the page: everything in its catalogue's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreView {
    pub service: String,
    pub status: Status,
    /// Why it is degraded or down, in words.
    pub reason: Option<String>,
    /// When it was last read successfully.
    pub last_read: Option<DateTime<Utc>>,
    /// The newest value of each of the catalogue's numbers.
    pub numbers: Vec<Option<f64>>,
    /// Each chart's lines' points (unix ms, value), in the catalogue's order.
    pub charts: Vec<Vec<Vec<(i64, f64)>>>,
}

/// The Data stores page's data for one time range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataStores {
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub stores: Vec<StoreView>,
    /// The monitored targets' tiles.
    pub targets: Vec<DataStoreTarget>,
}

/// One monitored target's page: its status, numbers and charts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetPage {
    pub target: DataStoreTarget,
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub store: StoreView,
}

/// A Postgres session as `pg_stat_activity` shows it (query cut short).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub application: String,
    pub client: String,
    pub state: String,
    pub wait: String,
    pub query_start: Option<DateTime<Utc>>,
    pub transaction_start: Option<DateTime<Utc>>,
    pub query: String,
}

/// A Redis slow-log entry (arguments cut short).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlowCommand {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub micros: i64,
    pub command: String,
}

/// What runs on the stores now (admins and operators: it shows query text).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub sessions: Vec<Session>,
    /// Why the sessions could not be read, if they could not.
    pub sessions_error: Option<String>,
    pub slow_commands: Vec<SlowCommand>,
    pub slow_commands_error: Option<String>,
}
