//! A mergeable group of requests: totals plus their latency histogram.
//! The rollups write it (`rollup`), the range queries read and merge it
//! (`queries`), the alert evaluator compares it.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;

use crate::metrics::LatencyPoint;
use crate::metrics::ssr::histogram::LatencyHistogram;

/// One merged group: totals plus its histogram.
#[derive(Clone, Debug)]
pub struct Merged<K> {
    pub key: K,
    pub count: i64,
    pub errors: i64,
    pub sum_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub histogram: LatencyHistogram,
}

impl<K> Merged<K> {
    /// No requests yet.
    pub fn new(key: K) -> Self {
        Merged {
            key,
            count: 0,
            errors: 0,
            sum_ms: 0.0,
            min_ms: f64::INFINITY,
            max_ms: 0.0,
            histogram: LatencyHistogram::new(),
        }
    }

    /// Counts one request.
    pub fn record(&mut self, duration_ms: f64, error: bool) {
        self.count += 1;
        self.errors += i64::from(error);
        self.sum_ms += duration_ms;
        self.min_ms = self.min_ms.min(duration_ms);
        self.max_ms = self.max_ms.max(duration_ms);
        self.histogram.record(duration_ms);
    }

    /// Adds `other`'s requests to these.
    pub fn merge<L>(&mut self, other: &Merged<L>) {
        self.count += other.count;
        self.errors += other.errors;
        self.sum_ms += other.sum_ms;
        self.min_ms = self.min_ms.min(other.min_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
        self.histogram.merge(&other.histogram);
    }

    /// A row of a range query (`key`, the totals, and the sparse histogram
    /// as `idx`/`cnt` arrays).
    pub fn from_row(row: &PgRow) -> sqlx::Result<Self>
    where
        K: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        use sqlx::Row;
        let idx: Vec<i32> = row.try_get("idx")?;
        let cnt: Vec<i64> = row.try_get("cnt")?;
        Ok(Merged {
            key: row.try_get("key")?,
            count: row.try_get("count")?,
            errors: row.try_get("errors")?,
            sum_ms: row.try_get("sum_ms")?,
            min_ms: row.try_get("min_ms")?,
            max_ms: row.try_get("max_ms")?,
            histogram: LatencyHistogram::from_sparse(&idx, &cnt),
        })
    }

    /// The same requests under another key.
    pub fn with_key<J>(self, key: J) -> Merged<J> {
        Merged {
            key,
            count: self.count,
            errors: self.errors,
            sum_ms: self.sum_ms,
            min_ms: self.min_ms,
            max_ms: self.max_ms,
            histogram: self.histogram,
        }
    }

    /// The chart point of these requests.
    pub fn into_point(self) -> LatencyPoint
    where
        K: Into<DateTime<Utc>>,
    {
        LatencyPoint {
            count: self.count,
            errors: self.errors,
            avg_ms: self.avg_ms(),
            p50_ms: self.quantile(0.50),
            p95_ms: self.quantile(0.95),
            p99_ms: self.quantile(0.99),
            max_ms: self.max_ms,
            t: self.key.into(),
        }
    }

    /// A quantile, never above the exact maximum (which the rollups keep).
    pub fn quantile(&self, q: f64) -> f64 {
        self.histogram.quantile(q).map_or(0.0, |v| v.min(self.max_ms))
    }

    pub fn avg_ms(&self) -> f64 {
        if self.count > 0 {
            self.sum_ms / self.count as f64
        } else {
            0.0
        }
    }

    pub fn error_rate(&self) -> f64 {
        if self.count > 0 {
            self.errors as f64 / self.count as f64
        } else {
            0.0
        }
    }
}
