//! Generated log lines, shared by the log benchmarks: a ~195-byte body of
//! words and numbers (as a service's messages read), five attributes, a
//! trace and a span id, a level drawn as real services log them (mostly
//! info, a few errors).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Rng;
use app::logs::NewLogLine;

/// The body's vocabulary: each word is in about half the lines.
pub const WORDS: [&str; 16] = [
    "payment",
    "declined",
    "retrying",
    "timeout",
    "upstream",
    "cache",
    "miss",
    "order",
    "customer",
    "session",
    "expired",
    "queue",
    "latency",
    "connection",
    "reset",
    "warehouse",
];

/// A ~195-byte body: words of [`WORDS`] and numbers, separated by spaces.
pub fn body(rng: &mut Rng) -> String {
    let mut body = String::new();
    while body.len() < 190 {
        if !body.is_empty() {
            body.push(' ');
        }
        if rng.below(3) == 0 {
            body.push_str(&rng.below(100_000).to_string());
        } else {
            body.push_str(word(rng));
        }
    }
    body
}

pub fn word(rng: &mut Rng) -> &'static str {
    WORDS[usize::try_from(rng.below(16)).unwrap_or(0)]
}

/// `bytes` random bytes.
pub fn random_bytes(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    (0..bytes).map(|_| u8::try_from(rng.below(256)).unwrap_or(0)).collect()
}

/// A severity number: 80 % info, 8 % debug, 8 % warn, 4 % error.
pub fn severity(rng: &mut Rng) -> i16 {
    match rng.below(100) {
        0..8 => 5,
        8..16 => 13,
        16..20 => 17,
        _ => 9,
    }
}

/// The attributes a sender gives a line besides `service.name` and
/// `host.name` (OTLP: the record's; NDJSON: `attributes`).
pub fn attributes(rng: &mut Rng) -> Value {
    json!({
        "http.route": format!("/api/{}", word(rng)),
        "user.id": format!("u{}", rng.below(10_000)),
        "http.status": (200 + rng.below(4) * 100).to_string(),
        "region": "eu-1",
        "release": "v1.4.2",
    })
}

/// One line of `service` on `host` at `ts`, as it is stored (attributes
/// with `service.name` and `host.name`).
pub fn line(rng: &mut Rng, service: &str, host: &str, ts: DateTime<Utc>, observed_ts: DateTime<Utc>) -> NewLogLine {
    let body = body(rng);
    let (trace, span) = (random_bytes(rng, 16), random_bytes(rng, 8));
    let severity = severity(rng);
    let mut attributes = attributes(rng);
    attributes["service.name"] = Value::String(service.to_string());
    attributes["host.name"] = Value::String(host.to_string());
    NewLogLine {
        ts,
        observed_ts,
        service: service.to_string(),
        host: host.to_string(),
        severity,
        severity_text: String::new(),
        body,
        attributes,
        trace_id: Some(hex::encode(trace)),
        span_id: Some(hex::encode(span)),
    }
}

/// The line's attributes without `service.name` and `host.name`, as a sender gives them.
pub fn sent_attributes(line: &NewLogLine) -> serde_json::Map<String, Value> {
    let mut sent = line.attributes.as_object().cloned().unwrap_or_default();
    sent.remove("service.name");
    sent.remove("host.name");
    sent
}

/// Sends every `COPY` of `data` (binary `COPY` data for `log_lines`, one
/// statement each, committed on its own), `senders` at a time; how long it took.
pub async fn copy_all(pool: &sqlx::PgPool, data: &[&[u8]], senders: usize) -> std::time::Duration {
    copy_all_into(pool, app::logs::ssr::copy::COPY_LOG_LINES, data, senders).await
}

/// [`copy_all`] with any table's binary `COPY` statement.
pub async fn copy_all_into(
    pool: &sqlx::PgPool,
    statement: &'static str,
    data: &[&[u8]],
    senders: usize,
) -> std::time::Duration {
    use futures::StreamExt;
    let started = std::time::Instant::now();
    futures::stream::iter(data)
        .map(|bytes| async move {
            let mut conn = pool.acquire().await.expect("connection");
            app::metrics::ssr::copy::send(&mut conn, statement, bytes)
                .await
                .expect("COPY");
        })
        .buffer_unordered(senders)
        .collect::<Vec<()>>()
        .await;
    started.elapsed()
}
