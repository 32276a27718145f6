//! Opsdeck's own counters and `GET /metrics`, which shows them in the
//! Prometheus text exposition format (version 0.0.4).
//!
//! A handful of process-wide atomics rather than a metrics crate: the set is
//! small and fixed, and every value is a plain counter or gauge of this
//! process (two instances are two scrape targets, as Prometheus expects).
//!
//! `/metrics` is public (gate row `Public`), like `/health`: scrapers carry
//! no session, and the numbers (request counts by status class, ingest and
//! live-stream totals) name no user, service or key. Operators who want it
//! private keep it behind their proxy, as they do for `/ready`.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why an ingest batch was refused, as the `reason` label.
const REJECT_REASONS: [&str; 6] = [
    "unauthorized",
    "rate_limited",
    "unsupported_media_type",
    "too_large",
    "invalid",
    "unavailable",
];
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

pub struct Counters {
    http_requests: [AtomicU64; 5],
    ingest_records_accepted: AtomicU64,
    ingest_batches_rejected: [AtomicU64; 6],
    live_streams_open: AtomicI64,
    live_events_sent: AtomicU64,
    live_streams_dropped_slow: AtomicU64,
    live_publish_failures: AtomicU64,
    self_monitor_dropped: AtomicU64,
    self_monitor_flush_failures: AtomicU64,
    log_lines_accepted: AtomicU64,
    log_records_rejected: AtomicU64,
    log_lines_unpublished: AtomicU64,
    own_logs_dropped: AtomicU64,
    own_logs_flush_failures: AtomicU64,
    own_errors_dropped: AtomicU64,
    own_errors_flush_failures: AtomicU64,
}

pub static COUNTERS: Counters = Counters {
    http_requests: [const { AtomicU64::new(0) }; 5],
    ingest_records_accepted: AtomicU64::new(0),
    ingest_batches_rejected: [const { AtomicU64::new(0) }; 6],
    live_streams_open: AtomicI64::new(0),
    live_events_sent: AtomicU64::new(0),
    live_streams_dropped_slow: AtomicU64::new(0),
    live_publish_failures: AtomicU64::new(0),
    self_monitor_dropped: AtomicU64::new(0),
    self_monitor_flush_failures: AtomicU64::new(0),
    log_lines_accepted: AtomicU64::new(0),
    log_records_rejected: AtomicU64::new(0),
    log_lines_unpublished: AtomicU64::new(0),
    own_logs_dropped: AtomicU64::new(0),
    own_logs_flush_failures: AtomicU64::new(0),
    own_errors_dropped: AtomicU64::new(0),
    own_errors_flush_failures: AtomicU64::new(0),
};

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Counters {
    pub fn http_response(&self, status: StatusCode) {
        let class = usize::from(status.as_u16() / 100).saturating_sub(1).min(4);
        add(&self.http_requests[class], 1);
    }

    /// Counts an ingest answer: accepted records, or the refusal's reason.
    pub fn ingest_answer(&self, status: StatusCode, accepted: usize) {
        let reason = match status.as_u16() {
            200..=299 => {
                add(
                    &self.ingest_records_accepted,
                    u64::try_from(accepted).unwrap_or(u64::MAX),
                );
                return;
            }
            401 | 403 => 0,
            429 => 1,
            415 => 2,
            413 => 3,
            400 => 4,
            _ => 5,
        };
        add(&self.ingest_batches_rejected[reason], 1);
    }

    pub fn live_stream_opened(&self) {
        self.live_streams_open.fetch_add(1, Ordering::Relaxed);
    }

    pub fn live_stream_closed(&self) {
        self.live_streams_open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn live_event_sent(&self) {
        add(&self.live_events_sent, 1);
    }

    pub fn live_stream_dropped_slow(&self) {
        add(&self.live_streams_dropped_slow, 1);
    }

    pub fn live_publish_failed(&self) {
        add(&self.live_publish_failures, 1);
    }

    pub fn self_monitor_dropped(&self) {
        add(&self.self_monitor_dropped, 1);
    }

    pub fn self_monitor_flush_failed(&self) {
        add(&self.self_monitor_flush_failures, 1);
    }

    pub fn log_lines_accepted(&self, lines: usize) {
        add(&self.log_lines_accepted, count(lines));
    }

    pub fn log_records_rejected(&self, records: usize) {
        add(&self.log_records_rejected, count(records));
    }

    pub fn log_publish_failed(&self, lines: usize) {
        add(&self.log_lines_unpublished, count(lines));
    }

    /// Called from the tracing layer: an atomic add, nothing that could log.
    pub fn own_log_dropped(&self) {
        add(&self.own_logs_dropped, 1);
    }

    pub fn own_logs_flush_failed(&self) {
        add(&self.own_logs_flush_failures, 1);
    }

    /// Called on the request path: an atomic add, nothing that could wait.
    pub fn own_error_dropped(&self) {
        add(&self.own_errors_dropped, 1);
    }

    pub fn own_errors_flush_failed(&self) {
        add(&self.own_errors_flush_failures, 1);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, rows: &[(String, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let plain = |value: String| vec![(String::new(), value)];
        let http: Vec<_> = STATUS_CLASSES
            .iter()
            .zip(&self.http_requests)
            .map(|(class, c)| (format!("{{class=\"{class}\"}}"), get(c).to_string()))
            .collect();
        family(
            "opsdeck_http_requests_total",
            "counter",
            "HTTP requests answered, by status class.",
            &http,
        );
        family(
            "opsdeck_ingest_records_accepted_total",
            "counter",
            "Records (request events and metric samples) stored through the ingest API.",
            &plain(get(&self.ingest_records_accepted).to_string()),
        );
        let rejected: Vec<_> = REJECT_REASONS
            .iter()
            .zip(&self.ingest_batches_rejected)
            .map(|(reason, c)| (format!("{{reason=\"{reason}\"}}"), get(c).to_string()))
            .collect();
        family(
            "opsdeck_ingest_batches_rejected_total",
            "counter",
            "Ingest requests refused, by reason.",
            &rejected,
        );
        family(
            "opsdeck_live_streams_open",
            "gauge",
            "Live (SSE) streams open on this instance.",
            &plain(self.live_streams_open.load(Ordering::Relaxed).to_string()),
        );
        family(
            "opsdeck_live_events_sent_total",
            "counter",
            "Live points sent to browsers.",
            &plain(get(&self.live_events_sent).to_string()),
        );
        family(
            "opsdeck_live_streams_dropped_slow_total",
            "counter",
            "Live streams ended because the browser fell too far behind.",
            &plain(get(&self.live_streams_dropped_slow).to_string()),
        );
        family(
            "opsdeck_live_publish_failures_total",
            "counter",
            "Stored batches whose live update could not be published to Redis.",
            &plain(get(&self.live_publish_failures).to_string()),
        );
        family(
            "opsdeck_self_monitor_dropped_total",
            "counter",
            "Own request timings dropped because the self-monitoring buffer was full.",
            &plain(get(&self.self_monitor_dropped).to_string()),
        );
        family(
            "opsdeck_self_monitor_flush_failures_total",
            "counter",
            "Self-monitoring flushes that could not be stored.",
            &plain(get(&self.self_monitor_flush_failures).to_string()),
        );
        let logs: [(&str, &str, &AtomicU64); 7] = [
            (
                "opsdeck_log_lines_accepted_total",
                "Log lines stored (OTLP/HTTP, NDJSON and Opsdeck's own).",
                &self.log_lines_accepted,
            ),
            (
                "opsdeck_log_records_rejected_total",
                "OTLP log records refused one by one (partial success).",
                &self.log_records_rejected,
            ),
            (
                "opsdeck_log_lines_unpublished_total",
                "Stored log lines that could not be published to the live tail.",
                &self.log_lines_unpublished,
            ),
            (
                "opsdeck_own_logs_dropped_total",
                "Opsdeck's own log events dropped because their buffer was full.",
                &self.own_logs_dropped,
            ),
            (
                "opsdeck_own_logs_flush_failures_total",
                "Batches of Opsdeck's own log events that could not be stored.",
                &self.own_logs_flush_failures,
            ),
            (
                "opsdeck_own_errors_dropped_total",
                "Opsdeck's own failures (panics, 5xx answers) not recorded as error events: their buffer was full.",
                &self.own_errors_dropped,
            ),
            (
                "opsdeck_own_errors_flush_failures_total",
                "Batches of Opsdeck's own failures that could not be stored as error events.",
                &self.own_errors_flush_failures,
            ),
        ];
        for (name, help, counter) in logs {
            family(name, "counter", help, &plain(get(counter).to_string()));
        }
        out
    }
}

/// `GET /metrics`.
pub async fn metrics() -> Response {
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], COUNTERS.render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_line_is_name_labels_value() {
        COUNTERS.http_response(StatusCode::NOT_FOUND);
        COUNTERS.ingest_answer(StatusCode::TOO_MANY_REQUESTS, 0);
        let text = COUNTERS.render();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap_or_default();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            assert!(series.starts_with("opsdeck_"), "{line}");
        }
        assert!(text.contains("opsdeck_ingest_batches_rejected_total{reason=\"rate_limited\"} "));
        assert!(text.contains("# TYPE opsdeck_live_streams_open gauge"));
    }
}
