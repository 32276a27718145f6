//! What the Logs page asks for and gets back: the URL's fields as typed
//! ([`LogFilter`]), the keyset cursor of "Older" ([`Cursor`]), one page of
//! results with the histogram ([`LogSearch`]), and the lines around a line
//! or of a trace ([`LogContext`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Level, LogLine};
use crate::url::{percent_encode, present};

/// Lines per page of results.
pub const PAGE_SIZE: i64 = 100;
/// Lines shown before and after the line whose context is asked for.
pub const CONTEXT_LINES: i64 = 20;
/// Most lines of one trace shown.
pub const TRACE_LIMIT: i64 = 1000;

/// The Logs page's URL query as it stands (`/logs?q=…&range=1h&before=…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogFilter {
    pub q: Option<String>,
    /// `15m` … `30d` or `custom` (then `from` and `to`), as on Performance.
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// "Older": the results after (older than) this cursor.
    pub before: Option<String>,
}

impl LogFilter {
    fn pairs(&self) -> Vec<(&'static str, &Option<String>)> {
        let custom = present(&self.range) == Some("custom");
        let mut pairs = vec![("q", &self.q), ("range", &self.range)];
        if custom {
            pairs.push(("from", &self.from));
            pairs.push(("to", &self.to));
        }
        pairs
    }

    /// `/logs?…`: this query and range, from the newest line (the permalink).
    pub fn href(&self) -> String {
        with_path(crate::url::query_string(&self.pairs()))
    }

    /// The next page: lines older than `cursor`.
    pub fn older_href(&self, cursor: &Cursor) -> String {
        let before = Some(cursor.to_string());
        let mut pairs = self.pairs();
        pairs.push(("before", &before));
        with_path(crate::url::query_string(&pairs))
    }

    /// The same query over a custom range (a histogram bar's zoom).
    pub fn zoomed_href(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let at = |t: DateTime<Utc>| Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let (range, from, to) = (Some("custom".to_string()), at(from), at(to));
        let pairs = [("q", &self.q), ("range", &range), ("from", &from), ("to", &to)];
        with_path(crate::url::query_string(&pairs))
    }
}

/// The Logs page for `q` from `minutes` before to `minutes` after `at`.
pub fn logs_around_href(q: &str, at: DateTime<Utc>, minutes: i64) -> String {
    let span = chrono::Duration::minutes(minutes);
    LogFilter {
        q: Some(q.to_string()),
        ..LogFilter::default()
    }
    .zoomed_href(at - span, at + span)
}

/// A service's name as a query term (`service:"a b"` when it needs quotes).
pub fn service_term(service: &str) -> String {
    super::query::Query {
        terms: vec![super::query::Term {
            negated: false,
            condition: super::query::Condition::Service(service.to_string()),
        }],
    }
    .to_string()
}

fn with_path(query: String) -> String {
    if query.is_empty() {
        "/logs".to_string()
    } else {
        format!("/logs?{query}")
    }
}

/// Where a line stands in the newest-first order: its time (whole
/// microseconds, as stored) and id. Written `<unix micros>-<id>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub ts: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn of(line: &LogLine) -> Cursor {
        Cursor {
            ts: line.ts,
            id: line.id,
        }
    }

    pub fn parse(text: &str) -> Option<Cursor> {
        let (micros, id) = text.trim().split_once('-')?;
        let ts = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Cursor {
            ts,
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ts.timestamp_micros(), self.id)
    }
}

/// `/logs/context?id=…&ts=…`: the lines around `line`.
pub fn context_href(line: &LogLine) -> String {
    format!(
        "/logs/context?id={}&ts={}",
        line.id,
        percent_encode(&line.ts.timestamp_micros().to_string())
    )
}

/// `/logs/trace?id=…`: every line of the trace.
pub fn trace_href(trace_id: &str) -> String {
    format!("/logs/trace?id={}", percent_encode(trace_id))
}

/// Matching lines per level in one bucket of the histogram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    /// Counts in `Level::ALL` order.
    pub counts: [i64; 6],
}

impl Bucket {
    pub fn total(&self) -> i64 {
        self.counts.iter().sum()
    }

    pub fn count(&self, level: Level) -> i64 {
        Level::ALL
            .iter()
            .position(|l| *l == level)
            .and_then(|index| self.counts.get(index).copied())
            .unwrap_or(0)
    }
}

/// One page of results and the histogram of every match in the range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogSearch {
    /// The query as parsed, printed back (normalised).
    pub query: String,
    /// The words and phrases to highlight.
    pub highlights: Vec<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Newest first.
    pub lines: Vec<LogLine>,
    /// Where "Older" continues, when there are older matches.
    pub older: Option<Cursor>,
    /// Whether this page continues an earlier one.
    pub paged: bool,
    pub step_secs: i64,
    /// Every bucket of the range, oldest first (empty ones included).
    pub buckets: Vec<Bucket>,
    /// Whether every match was counted; `false` when counting took longer
    /// than `OPSDECK_LOGS_COUNT_TIMEOUT_MS` (no buckets then).
    pub counted: bool,
}

impl LogSearch {
    /// Matching lines in the whole range.
    pub fn total(&self) -> i64 {
        self.buckets.iter().map(Bucket::total).sum()
    }
}

/// Lines around one line (same service and host), or the lines of a trace,
/// oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogContext {
    pub lines: Vec<LogLine>,
    /// The line asked about (context) — none for a trace.
    pub anchor: Option<i64>,
    /// Whether more lines exist than shown (a trace over the limit).
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_through_their_text() {
        let cursor = Cursor {
            ts: DateTime::from_timestamp_micros(1_765_036_800_123_456).unwrap_or_default(),
            id: 42,
        };
        assert_eq!(cursor.to_string(), "1765036800123456-42");
        assert_eq!(Cursor::parse("1765036800123456-42"), Some(cursor));
        assert_eq!(Cursor::parse("x-1"), None);
        assert_eq!(Cursor::parse("12"), None);
    }

    #[test]
    fn links_keep_the_query_and_drop_what_does_not_apply() {
        let filter = LogFilter {
            q: Some("service:a \"b c\"".into()),
            range: Some("6h".into()),
            from: Some("ignored".into()),
            to: None,
            before: Some("1-1".into()),
        };
        assert_eq!(filter.href(), "/logs?q=service%3Aa%20%22b%20c%22&range=6h");
        let cursor = Cursor {
            ts: DateTime::from_timestamp_micros(5).unwrap_or_default(),
            id: 9,
        };
        assert_eq!(
            filter.older_href(&cursor),
            "/logs?q=service%3Aa%20%22b%20c%22&range=6h&before=5-9"
        );
        assert_eq!(LogFilter::default().href(), "/logs");
        let from = DateTime::from_timestamp(1_765_036_800, 0).unwrap_or_default();
        assert_eq!(
            LogFilter::default().zoomed_href(from, from + chrono::Duration::minutes(5)),
            "/logs?range=custom&from=2025-12-06T16%3A00%3A00Z&to=2025-12-06T16%3A05%3A00Z"
        );
    }
}
