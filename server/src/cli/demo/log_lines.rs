//! The demo's log lines: what its fictional services would log about the
//! requests the demo generates (a sample of the successful ones, every
//! client and server error, and the cause of an incident's failures), sent
//! as NDJSON through `POST /api/v1/logs`, the real log door.

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};

use super::report;

/// One in this many successful requests is logged (an access log kept lean).
const SUCCESS_SAMPLE: u32 = 8;

/// Hosts each service runs on.
const HOSTS: [&str; 2] = ["a", "b"];

/// Why a request of a service in an incident failed.
const INCIDENT_CAUSES: [&str; 3] = [
    "upstream timed out after 30000 ms",
    "connection pool exhausted (50 of 50 in use)",
    "database statement timeout: canceling statement due to statement timeout",
];

/// What one generated request is: enough to write its log line.
pub struct Served<'a> {
    pub service: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub duration_ms: f64,
    pub ts: DateTime<Utc>,
    pub in_incident: bool,
}

/// The line `served` is logged as, if it is (successes are sampled).
pub fn line(served: &Served<'_>, rng: &mut impl Rng) -> Option<Value> {
    let (level, message) = match served.status {
        500.. if served.in_incident => (
            "error",
            format!(
                "{} {} failed: {}",
                served.method,
                served.path,
                INCIDENT_CAUSES[rng.gen_range(0..INCIDENT_CAUSES.len())]
            ),
        ),
        500.. => (
            "error",
            format!("{} {} failed: internal error", served.method, served.path),
        ),
        400..=499 => (
            "warn",
            format!("{} {} refused with {}", served.method, served.path, served.status),
        ),
        _ if rng.gen_ratio(1, SUCCESS_SAMPLE) => {
            ("info", format!("{} {} {}", served.method, served.path, served.status))
        }
        _ => return None,
    };
    let trace_id: String = (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    let host = format!("{}-{}", served.service, HOSTS[rng.gen_range(0..HOSTS.len())]);
    Some(json!({
        "ts": served.ts.to_rfc3339(),
        "service": served.service,
        "host": host,
        "level": level,
        "message": format!("{message} in {:.0} ms", served.duration_ms),
        "trace_id": trace_id,
        "attributes": {
            "http.request.method": served.method,
            "http.route": served.path,
            "http.response.status_code": served.status,
            "generated_by": "opsdeck demo",
        },
    }))
}

/// The lines as an NDJSON body.
pub fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Where the demo's log lines go, and whether they still may.
pub struct LogDoor {
    endpoint: String,
    /// Off once the key turned out to lack the `logs` scope.
    pub on: bool,
    failures: u32,
}

impl LogDoor {
    pub fn new(url: &str) -> LogDoor {
        LogDoor {
            endpoint: format!("{}/api/v1/logs", url.trim_end_matches('/')),
            on: true,
            failures: 0,
        }
    }

    pub async fn send(&mut self, client: &reqwest::Client, key: &str, lines: &[Value]) {
        let sent = client
            .post(&self.endpoint)
            .bearer_auth(key)
            .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
            .body(ndjson(lines))
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => self.failures = 0,
            Ok(response) if response.status() == reqwest::StatusCode::FORBIDDEN => {
                eprintln!(
                    "opsdeck demo: the key lacks the logs scope, so no demo log lines are sent \
                     (a key made with --scope ingest --scope logs sends both)"
                );
                self.on = false;
            }
            Ok(response) => report(
                &mut self.failures,
                &format!(
                    "the logs API answered {}; this second's lines are skipped",
                    response.status()
                ),
            ),
            Err(error) => report(
                &mut self.failures,
                &format!(
                    "cannot reach {} ({error}); this second's lines are skipped",
                    self.endpoint
                ),
            ),
        }
    }
}
