//! Benchmark 12: OTLP span ingest (`POST /v1/traces`, protobuf) with 4
//! senders, against a raw binary `COPY` of the same span rows into the
//! same table (`spans`, its partition and indexes), batch 1000 spans.
//!
//! Spans are shaped like an instrumented web service's: traces of one
//! server span (route, method, status, URL path; a quarter of the spans,
//! each also a request event with its rollups) and three children (a
//! database query, a cache call, a render), 5–8 attributes each, the
//! resource's `service.name` and `host.name`. The door's side pays for
//! decoding, checking, the request events and their rollups; the COPY side
//! gets its rows ready-made (converted once, beforehand, by the door's own
//! `convert`). Each round measures both back to back; ratios are per round,
//! medians reported. `cargo bench -p server --bench traces_ingest`.

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use common::{Rng, lines, machine_load, median, print_table};
use futures::StreamExt;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
use prost::Message;
use sqlx::PgPool;

use app::metrics::ingest::TimeWindow;
use app::traces::ssr::store::{COPY_SPANS, copy_rows};
use opsdeck::http::otlp::traces::convert::{Windows, convert};

const BATCH: usize = 1000;
const BATCHES: usize = 100;
const ROUNDS: usize = 3;
const SENDERS: usize = 4;

struct Batch {
    otlp: Vec<u8>,
    copy_binary: Vec<u8>,
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn text(key: &str, value: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn nanos(ts: chrono::DateTime<Utc>) -> u64 {
    u64::try_from(ts.timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0)
}

/// One trace: a server span and its three children.
fn trace(rng: &mut Rng, now: chrono::DateTime<Utc>) -> Vec<Span> {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
    id[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    let start = now - Duration::milliseconds(i64::try_from(rng.below(60_000)).unwrap_or(0));
    let total = 5 + i64::try_from(rng.below(400)).unwrap_or(0);
    let root_id = rng.next_u64().to_be_bytes().to_vec();
    let order = rng.below(100_000);
    let route = ["/orders/{id}", "/cart", "/pay", "/search", "/users/{id}"][usize::try_from(rng.below(5)).unwrap_or(0)];
    let status = if rng.below(50) == 0 { 500 } else { 200 };
    let root = Span {
        trace_id: id.to_vec(),
        span_id: root_id.clone(),
        name: format!("GET {route}"),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: nanos(start),
        end_time_unix_nano: nanos(start + Duration::milliseconds(total)),
        attributes: vec![
            text("http.route", route),
            text("http.request.method", "GET"),
            kv("http.response.status_code", any_value::Value::IntValue(status)),
            text("url.path", route.replace("{id}", &order.to_string())),
            text("client.address", format!("10.0.{}.{}", rng.below(256), rng.below(256))),
            text("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) bench"),
        ],
        ..Default::default()
    };
    let child =
        |name: &str, kind: span::SpanKind, offset: i64, length: i64, attributes: Vec<KeyValue>, rng: &mut Rng| Span {
            trace_id: id.to_vec(),
            span_id: rng.next_u64().to_be_bytes().to_vec(),
            parent_span_id: root_id.clone(),
            name: name.into(),
            kind: kind as i32,
            start_time_unix_nano: nanos(start + Duration::milliseconds(offset)),
            end_time_unix_nano: nanos(start + Duration::milliseconds(offset + length)),
            attributes,
            ..Default::default()
        };
    let third = total / 3;
    vec![
        child(
            "SELECT orders",
            span::SpanKind::Client,
            1,
            third,
            vec![
                text("db.system.name", "postgresql"),
                text(
                    "db.query.text",
                    "SELECT * FROM orders WHERE id = $1 AND customer_id = $2",
                ),
                text("db.namespace", "shop"),
                text("server.address", "db-1.internal"),
                kv("server.port", any_value::Value::IntValue(5432)),
            ],
            rng,
        ),
        child(
            "GET",
            span::SpanKind::Client,
            third + 1,
            2,
            vec![
                text("db.system.name", "redis"),
                text("db.operation.name", "GET"),
                text("server.address", "cache-1.internal"),
                kv("server.port", any_value::Value::IntValue(6379)),
                text("cache.key", format!("order:{order}")),
            ],
            rng,
        ),
        child(
            "render order",
            span::SpanKind::Internal,
            third + 4,
            (total - third - 5).max(1),
            vec![
                text("template", "order.html"),
                kv(
                    "items",
                    any_value::Value::IntValue(i64::try_from(rng.below(20)).unwrap_or(0)),
                ),
                text("locale", "en-GB"),
                text("code.function.name", "render_order"),
                text("code.file.path", "src/views/order.rs"),
            ],
            rng,
        ),
        root,
    ]
}

fn batches(rng: &mut Rng, windows: Windows) -> Vec<Batch> {
    let now = Utc::now();
    (0..BATCHES)
        .map(|b| {
            let spans: Vec<Span> = (0..BATCH / 4).flat_map(|_| trace(rng, now)).collect();
            let export = ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: Some(Resource {
                        attributes: vec![
                            text("service.name", format!("traces-bench-{}", b % SENDERS)),
                            text("host.name", format!("web-{}", b % 7)),
                        ],
                        ..Default::default()
                    }),
                    scope_spans: vec![ScopeSpans {
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            let otlp = export.encode_to_vec();
            let converted = convert(export, windows);
            assert_eq!(
                converted.spans.len(),
                BATCH,
                "every span is valid: {:?}",
                converted.refused
            );
            let copy_binary = copy_rows(&converted.spans).expect("COPY data");
            Batch { otlp, copy_binary }
        })
        .collect()
}

/// Spans per second sending every batch, `SENDERS` at a time.
async fn through_door(client: &reqwest::Client, url: &str, key: &str, batches: &[Batch]) -> f64 {
    let started = Instant::now();
    let answers: Vec<u16> = futures::stream::iter(batches)
        .map(|batch| {
            let request = client
                .post(url)
                .bearer_auth(key)
                .header("Content-Type", "application/x-protobuf")
                .body(batch.otlp.clone());
            async move { request.send().await.map_or(0, |response| response.status().as_u16()) }
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        answers.iter().all(|s| *s == 200),
        "every batch is accepted: {answers:?}"
    );
    (batches.len() * BATCH) as f64 / elapsed
}

async fn through_copy(pool: &PgPool, batches: &[Batch]) -> f64 {
    let data: Vec<&[u8]> = batches.iter().map(|b| b.copy_binary.as_slice()).collect();
    (batches.len() * BATCH) as f64
        / lines::copy_all_into(pool, COPY_SPANS, &data, SENDERS)
            .await
            .as_secs_f64()
}

#[tokio::main]
async fn main() {
    // Production defaults except the rate limit (600 requests/min per key would cap this at 10,000 spans/s)
    // and Opsdeck's own log lines, which would be measured with the senders'.
    let app = common::start(&[("OPSDECK_INGEST_RATE_PER_MIN", "1000000"), ("OPSDECK_OWN_LOGS", "off")]).await;
    let key = app.ingest_key().await;
    let client = reqwest::Client::new();
    let pool = app.pool(SENDERS as u32).await;
    let now = Utc::now();
    let windows = Windows {
        spans: TimeWindow::around(now, 3),
        requests: TimeWindow::around(now, 7),
    };
    let mut rng = Rng::new(12);
    let url = format!("{}/v1/traces", app.address);
    let warm = batches(&mut rng, windows);
    through_door(&client, &url, &key, &warm[..30]).await;
    through_copy(&pool, &warm[30..60]).await;

    println!(
        "traces ingest benchmark: {BATCHES} batches of {BATCH} spans per measurement, {SENDERS} senders, {ROUNDS} rounds"
    );
    println!("load before: {}", machine_load());
    let (mut door, mut raw, mut ratio) = (vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let data = batches(&mut rng, windows);
        let d = through_door(&client, &url, &key, &data).await;
        let c = through_copy(&pool, &data).await;
        door.push(d);
        raw.push(c);
        ratio.push(d / c);
    }
    println!("load after:  {}", machine_load());
    let rounds = |values: &[f64]| values.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(", ");
    print_table(
        &["side", "spans/s: median (rounds)", "door / COPY: median"],
        &[
            vec![
                "POST /v1/traces (protobuf)".into(),
                format!("{:.0} ({})", median(&door), rounds(&door)),
                format!("{:.3}", median(&ratio)),
            ],
            vec![
                "raw binary COPY of the span rows".into(),
                format!("{:.0} ({})", median(&raw), rounds(&raw)),
                "1".into(),
            ],
        ],
    );
    let (spans, bytes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM spans), \
                (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits \
                 WHERE inhparent = 'spans'::regclass)",
    )
    .fetch_one(&pool)
    .await
    .expect("sizes");
    println!(
        "spans holds {spans} spans; {} bytes on disk per span (table, TOAST and indexes)",
        bytes / spans.max(1)
    );
    pool.close().await;
    app.finish().await;
}
