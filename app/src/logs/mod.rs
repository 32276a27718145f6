//! System logs: lines services send (OTLP/HTTP `POST /v1/logs`, NDJSON
//! `POST /api/v1/logs`) and Opsdeck's own `tracing` events, stored in
//! `log_lines` (daily partitions), searched with a small query language,
//! and tailed live.
//!
//! Data flow: a door (server/src/http/…) parses a body into [`NewLogLine`]s
//! → `ssr::store` writes them in one transaction (one binary `COPY`) and
//! commits → the committed lines, with their ids, are published to the Redis
//! stream [`LIVE_STREAM`] (under the instance's key prefix) → every
//! instance's live tail reads that stream and sends each subscriber the
//! lines its query matches.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ingest;
pub mod query;
pub mod search;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;

/// The Redis stream (after the key prefix) committed lines are published
/// to, one entry per line, field `line` holding a [`LogLine`] as JSON.
pub const LIVE_STREAM: &str = "logs:live";

/// A validated line, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewLogLine {
    pub ts: DateTime<Utc>,
    pub observed_ts: DateTime<Utc>,
    pub service: String,
    /// Host or instance; empty when the sender did not say.
    pub host: String,
    /// OpenTelemetry SeverityNumber, 0–24 (see [`Level`]).
    pub severity: i16,
    pub severity_text: String,
    pub body: String,
    /// A JSON object of the line's attributes (resource and record).
    pub attributes: serde_json::Value,
    /// 32 lowercase hex digits.
    pub trace_id: Option<String>,
    /// 16 lowercase hex digits.
    pub span_id: Option<String>,
}

/// A stored line, as pages and the live tail show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub id: i64,
    pub ts: DateTime<Utc>,
    pub service: String,
    pub host: String,
    pub severity: i16,
    pub severity_text: String,
    pub body: String,
    pub attributes: serde_json::Value,
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
}

impl LogLine {
    pub fn level(&self) -> Level {
        Level::of(self.severity)
    }
}

/// The six severity ranges of OpenTelemetry's SeverityNumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The level a SeverityNumber falls in; 0 (unspecified) reads as info.
    pub fn of(severity: i16) -> Level {
        match severity {
            1..=4 => Level::Trace,
            5..=8 => Level::Debug,
            13..=16 => Level::Warn,
            17..=20 => Level::Error,
            21.. => Level::Fatal,
            _ => Level::Info,
        }
    }

    /// The lowest SeverityNumber of this level (`level>=warn` is `severity >= 13`).
    pub fn min_severity(self) -> i16 {
        match self {
            Level::Trace => 1,
            Level::Debug => 5,
            Level::Info => 9,
            Level::Warn => 13,
            Level::Error => 17,
            Level::Fatal => 21,
        }
    }

    /// The SeverityNumber a line sent with only a level name is stored with.
    pub fn severity(self) -> i16 {
        self.min_severity()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Accepts the names senders use: `warning`, `err`, `critical`… in any case.
    pub fn parse(name: &str) -> Option<Level> {
        match name.trim().to_ascii_lowercase().as_str() {
            "trace" => Some(Level::Trace),
            "debug" => Some(Level::Debug),
            "info" | "information" | "notice" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warn),
            "error" | "err" => Some(Level::Error),
            "fatal" | "critical" | "crit" | "panic" | "emergency" | "alert" => Some(Level::Fatal),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_numbers_fall_in_their_levels() {
        for level in Level::ALL {
            let low = level.min_severity();
            assert_eq!(Level::of(low), level);
            assert_eq!(Level::of(low + 3), level);
            assert_eq!(Level::parse(level.as_str()), Some(level));
        }
        assert_eq!(Level::of(0), Level::Info);
        assert_eq!(Level::parse("WARNING"), Some(Level::Warn));
        assert_eq!(Level::parse("loud"), None);
    }
}
