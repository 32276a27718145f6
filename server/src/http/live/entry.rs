//! One entry of the live Redis stream as it travels to the browsers: its
//! id (the SSE event id), what it carries, and its SSE frame, built once.

use std::collections::HashMap;

use bytes::Bytes;

use app::logs::LogLine;

/// A stream entry id (`<ms>-<seq>`), ordered as Redis orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryId(pub(super) u64, pub(super) u64);

impl EntryId {
    pub fn parse(text: &str) -> Option<EntryId> {
        let (ms, seq) = text.trim().split_once('-')?;
        Some(EntryId(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// What a stream entry carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A chart's point (`LivePoint`) of this service.
    Point { service: String },
    /// The firing alerts per severity, after the evaluator changed a state.
    Alerts,
    /// A committed log line (`app::logs::LIVE_STREAM`).
    Log(Box<LogLine>),
    /// An error issue that got events (`app::errors::live::IssueUpdate`) of this service.
    Issue { service: String },
    /// A data store's samples of one collector round (`[MetricSample]`).
    Samples { service: String },
}

/// One entry as it travels from the reader to the streams.
#[derive(Debug)]
pub struct Published {
    pub id: EntryId,
    pub kind: Kind,
    /// The whole SSE event, built once and shared by every browser's stream.
    pub frame: Bytes,
}

impl Published {
    pub(super) fn from_entry(id: &str, mut fields: HashMap<String, String>) -> Option<Published> {
        let id = EntryId::parse(id)?;
        if let Some(json) = fields.remove("line") {
            let line: LogLine = serde_json::from_str(&json).ok()?;
            return Some(Published {
                frame: sse_frame("line", id, &json),
                id,
                kind: Kind::Log(Box::new(line)),
            });
        }
        if let Some(json) = fields.remove("samples") {
            let service = fields.remove("service")?;
            return Some(Published {
                frame: sse_frame("samples", id, &json),
                id,
                kind: Kind::Samples { service },
            });
        }
        let (kind, json) = match (fields.remove("alerts"), fields.remove("issue")) {
            (Some(json), _) => (Kind::Alerts, json),
            (None, Some(json)) => (
                Kind::Issue {
                    service: fields.remove("service")?,
                },
                json,
            ),
            (None, None) => (
                Kind::Point {
                    service: fields.remove("service")?,
                },
                fields.remove("point")?,
            ),
        };
        let name = match kind {
            Kind::Alerts => "alerts",
            Kind::Point { .. } => "point",
            Kind::Log(_) => "line",
            Kind::Issue { .. } => "issue",
            Kind::Samples { .. } => "samples",
        };
        Some(Published {
            frame: sse_frame(name, id, &json),
            id,
            kind,
        })
    }
}

/// An SSE event (`event:`, `id:`, one `data:` line per line of `data`).
pub(super) fn sse_frame(name: &str, id: EntryId, data: &str) -> Bytes {
    let mut frame = format!("event: {name}\nid: {id}\n");
    for line in data.lines() {
        frame.push_str("data: ");
        frame.push_str(line);
        frame.push('\n');
    }
    frame.push('\n');
    Bytes::from(frame)
}
