//! Benchmark 5: log ingest throughput with 4 senders through both doors —
//! OTLP/HTTP protobuf (`POST /v1/logs`) and NDJSON (`POST /api/v1/logs`) —
//! against a raw binary `COPY` of the same rows into the same table
//! (`log_lines`, its partition and indexes), batch 1000.
//!
//! Lines are realistic (`common::lines`, shared with the search benchmark):
//! a ~195-byte body of words and numbers, 5 attributes of the line's own
//! (plus `service.name` and `host.name`, from the resource for OTLP), a
//! level, a trace and span id. Every side gets
//! its bytes ready-made (protobuf bodies, NDJSON bodies, COPY data with ids
//! reserved beforehand), so no timing includes making them. Each round
//! measures the three back to back; ratios are per round, medians reported.
//! `cargo bench -p server --bench logs_ingest`; with `BENCH_WITHOUT_TRGM=1`
//! the body's trigram GIN index is dropped first, to show what it costs.

mod common;

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use common::{Rng, lines, machine_load, median, print_table};
use futures::StreamExt;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::json;
use sqlx::PgPool;

use app::logs::ssr::copy;

const BATCH: usize = 1000;
const BATCHES: usize = 100;
const ROUNDS: usize = 3;
const SENDERS: usize = 4;

/// One batch in the three forms.
struct Batch {
    otlp: Vec<u8>,
    ndjson: String,
    copy_binary: Vec<u8>,
}

fn text(value: String) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(value)),
    })
}

fn kv(key: &str, value: String) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: text(value),
        ..Default::default()
    }
}

async fn batches(rng: &mut Rng, pool: &PgPool) -> Vec<Batch> {
    let now = Utc::now();
    let mut out = Vec::with_capacity(BATCHES);
    for b in 0..BATCHES {
        let service = format!("logs-bench-{}", b % SENDERS);
        let host = format!("web-{}", b % 7);
        let mut records = Vec::with_capacity(BATCH);
        let mut ndjson = String::new();
        let mut batch_lines = Vec::with_capacity(BATCH);
        for _ in 0..BATCH {
            let ts: DateTime<Utc> = now - Duration::milliseconds(i64::try_from(rng.below(60_000)).unwrap_or(0));
            let line = lines::line(rng, &service, &host, ts, now);
            let sent = lines::sent_attributes(&line);
            let trace = ::hex::decode(line.trace_id.as_deref().unwrap_or_default()).unwrap_or_default();
            let span = ::hex::decode(line.span_id.as_deref().unwrap_or_default()).unwrap_or_default();
            records.push(LogRecord {
                time_unix_nano: u64::try_from(ts.timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0),
                severity_number: i32::from(line.severity),
                body: text(line.body.clone()),
                attributes: sent
                    .iter()
                    .map(|(key, value)| kv(key, value.as_str().unwrap_or_default().to_string()))
                    .collect(),
                trace_id: trace,
                span_id: span,
                ..Default::default()
            });
            ndjson.push_str(
                &json!({ "ts": ts.to_rfc3339(), "service": service, "host": host, "level": line.severity,
                         "message": line.body, "attributes": sent,
                         "trace_id": line.trace_id, "span_id": line.span_id })
                .to_string(),
            );
            ndjson.push('\n');
            batch_lines.push(line);
        }
        let otlp = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(Resource {
                    attributes: vec![kv("service.name", service.clone()), kv("host.name", host.clone())],
                    ..Default::default()
                }),
                scope_logs: vec![ScopeLogs {
                    log_records: records,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec();
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('log_lines_id_seq') FROM generate_series(1, $1::bigint)")
                .bind(i64::try_from(BATCH).unwrap_or(0))
                .fetch_all(pool)
                .await
                .expect("ids");
        let copy_binary = copy::log_lines(&batch_lines, &ids).expect("COPY data");
        out.push(Batch {
            otlp,
            ndjson,
            copy_binary,
        });
    }
    out
}

/// Lines per second sending every batch to `path`, `SENDERS` at a time.
async fn through(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    batches: &[Batch],
    body: impl Fn(&Batch) -> (String, Vec<u8>),
    ok: u16,
) -> f64 {
    let started = Instant::now();
    let answers: Vec<u16> = futures::stream::iter(batches)
        .map(|batch| {
            let (content_type, bytes) = body(batch);
            let request = client
                .post(url)
                .bearer_auth(key)
                .header("Content-Type", content_type)
                .body(bytes);
            async move {
                match request.send().await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                }
            }
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(answers.iter().all(|s| *s == ok), "every batch is accepted: {answers:?}");
    (batches.len() * BATCH) as f64 / elapsed
}

/// Lines per second copying every batch (one binary `COPY` each, committed
/// on its own), `SENDERS` at a time.
async fn through_copy(pool: &PgPool, batches: &[Batch]) -> f64 {
    let data: Vec<&[u8]> = batches.iter().map(|b| b.copy_binary.as_slice()).collect();
    (batches.len() * BATCH) as f64 / lines::copy_all(pool, &data, SENDERS).await.as_secs_f64()
}

#[tokio::main]
async fn main() {
    // Production defaults except the rate limit (600 requests/min per key would cap this at 10,000 lines/s)
    // and Opsdeck's own log lines, which would be measured with the senders'.
    let app = common::start(&[("OPSDECK_INGEST_RATE_PER_MIN", "1000000"), ("OPSDECK_OWN_LOGS", "off")]).await;
    let key = app.logs_key().await;
    let client = reqwest::Client::new();
    let pool = app.pool(SENDERS as u32).await;
    if std::env::var("BENCH_WITHOUT_TRGM").is_ok_and(|v| v == "1") {
        sqlx::query("DROP INDEX log_lines_body_trgm_idx")
            .execute(&pool)
            .await
            .expect("drop the trigram index");
        println!("without the trigram GIN index on body");
    }
    let mut rng = Rng::new(5);
    let otlp_url = format!("{}/v1/logs", app.address);
    let ndjson_url = format!("{}/api/v1/logs", app.address);
    let protobuf = |b: &Batch| ("application/x-protobuf".to_string(), b.otlp.clone());
    let ndjson = |b: &Batch| ("application/x-ndjson".to_string(), b.ndjson.clone().into_bytes());

    let warm = batches(&mut rng, &pool).await;
    through(&client, &otlp_url, &key, &warm[..20], protobuf, 200).await;
    through(&client, &ndjson_url, &key, &warm[20..40], ndjson, 202).await;
    through_copy(&pool, &warm[40..60]).await;

    println!(
        "logs ingest benchmark: {BATCHES} batches of {BATCH} lines per measurement, {SENDERS} senders, {ROUNDS} rounds"
    );
    println!("load before: {}", machine_load());
    let (mut otlp, mut nd, mut raw, mut otlp_ratio, mut nd_ratio) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let data = batches(&mut rng, &pool).await;
        let o = through(&client, &otlp_url, &key, &data, protobuf, 200).await;
        let n = through(&client, &ndjson_url, &key, &data, ndjson, 202).await;
        let c = through_copy(&pool, &data).await;
        otlp.push(o);
        nd.push(n);
        raw.push(c);
        otlp_ratio.push(o / c);
        nd_ratio.push(n / c);
    }
    println!("load after:  {}", machine_load());
    let rounds = |values: &[f64]| values.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(", ");
    print_table(
        &["door", "lines/s: median (rounds)", "door / COPY: median"],
        &[
            vec![
                "OTLP protobuf".into(),
                format!("{:.0} ({})", median(&otlp), rounds(&otlp)),
                format!("{:.3}", median(&otlp_ratio)),
            ],
            vec![
                "NDJSON".into(),
                format!("{:.0} ({})", median(&nd), rounds(&nd)),
                format!("{:.3}", median(&nd_ratio)),
            ],
            vec![
                "raw binary COPY".into(),
                format!("{:.0} ({})", median(&raw), rounds(&raw)),
                "1".into(),
            ],
        ],
    );
    let (lines, bytes, body_bytes): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM log_lines), \
                (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits \
                 WHERE inhparent = 'log_lines'::regclass), \
                (SELECT coalesce(sum(octet_length(body)), 0)::bigint FROM log_lines)",
    )
    .fetch_one(&pool)
    .await
    .expect("sizes");
    println!(
        "log_lines holds {lines} lines; {} bytes on disk per line (table, TOAST and indexes), bodies average {} bytes",
        bytes / lines.max(1),
        body_bytes / lines.max(1)
    );
    pool.close().await;
    app.finish().await;
}
