//! Top queries: what `pg_stat_statements` counted between the collector's
//! snapshots, summed over a range. The extension's totals are never reset
//! (`pg_stat_statements_reset` is left to whoever else reads them); each
//! snapshot keeps what grew since the one before.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether the statements can be read, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatementsState {
    /// Read: the rows are the range's top queries.
    Ready,
    /// `CREATE EXTENSION pg_stat_statements` was not run in the database.
    NotInstalled,
    /// The extension exists but the server did not preload its library.
    NotPreloaded,
    /// Could not be read, with the server's words.
    Unreadable(String),
}

/// What the top-queries table is sorted by (largest first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuerySort {
    #[default]
    TotalTime,
    Calls,
    MeanTime,
    Rows,
    Reads,
}

impl QuerySort {
    pub const ALL: [QuerySort; 5] = [
        QuerySort::TotalTime,
        QuerySort::Calls,
        QuerySort::MeanTime,
        QuerySort::Rows,
        QuerySort::Reads,
    ];

    /// The value in the page's URL (`sort=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            QuerySort::TotalTime => "total",
            QuerySort::Calls => "calls",
            QuerySort::MeanTime => "mean",
            QuerySort::Rows => "rows",
            QuerySort::Reads => "reads",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuerySort::TotalTime => "Total time",
            QuerySort::Calls => "Calls",
            QuerySort::MeanTime => "Mean time",
            QuerySort::Rows => "Rows",
            QuerySort::Reads => "Blocks read",
        }
    }

    /// An unknown value sorts by total time.
    pub fn parse(value: Option<&str>) -> QuerySort {
        QuerySort::ALL
            .into_iter()
            .find(|sort| Some(sort.as_str()) == value)
            .unwrap_or_default()
    }
}

/// One normalised statement's work over the range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TopQuery {
    pub database: String,
    pub user: String,
    /// As `pg_stat_statements` gives it: constants replaced by `$n`.
    pub query: String,
    pub calls: i64,
    pub total_ms: f64,
    pub rows: i64,
    pub shared_hits: i64,
    pub shared_reads: i64,
}

impl TopQuery {
    pub fn mean_ms(&self) -> f64 {
        if self.calls > 0 {
            self.total_ms / self.calls as f64
        } else {
            0.0
        }
    }

    /// Shared-buffer hits among blocks asked for, `None` when none were.
    pub fn hit_ratio(&self) -> Option<f64> {
        let asked = self.shared_hits + self.shared_reads;
        (asked > 0).then(|| self.shared_hits as f64 / asked as f64)
    }
}

/// The range's top queries of Opsdeck's own Postgres.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopQueries {
    /// How the last snapshot went (`Ready` when it was read).
    pub state: StatementsState,
    /// The database to run `CREATE EXTENSION` in.
    pub database: String,
    pub sort: QuerySort,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Snapshots in the range (0: nothing counted yet).
    pub snapshots: i64,
    pub rows: Vec<TopQuery>,
}
