//! Benchmark 1: ingest throughput at batch 1000 through `POST /api/v1/ingest`
//! against a raw binary `COPY` of the same rows into the same table
//! (`request_events`, with its partitions and index).
//!
//! Both sides get the same rows, already serialised (JSON bodies for the API,
//! binary COPY data for Postgres), so neither side's timing includes making
//! them.
//! Each round measures ingest and COPY back to back, with one sender and
//! with four; the ratio is taken per round and the median of the rounds is
//! reported. A last column stores other rows of the same shape with
//! `store_batch` directly, to show how much of the API's time is storage.
//! `cargo bench -p server --bench ingest`

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use common::{BenchApp, Rng, machine_load, median, print_table, request_event};
use futures::StreamExt;
use sqlx::PgPool;

use app::metrics::IngestBatch;
use app::metrics::ssr::copy;
use app::metrics::ssr::store::store_batch;

const BATCH: usize = 1000;
const BATCHES: usize = 200;
const ROUNDS: usize = 3;
const SENDERS: [usize; 2] = [1, 4];

/// One batch, in all three forms.
struct Batch {
    json: String,
    copy_binary: Vec<u8>,
    events: IngestBatch,
}

/// `BATCHES` batches of `BATCH` requests; sender `s` of `senders` sends
/// batches `s, s + senders, …`, each for its own service, so concurrent
/// batches do not queue on the same rollup rows (as separate emitters
/// would not).
fn batches(rng: &mut Rng, senders: usize) -> Vec<Batch> {
    let now = Utc::now();
    (0..BATCHES)
        .map(|b| {
            let service = format!("ingest-bench-{}", b % senders);
            let events: Vec<_> = (0..BATCH)
                .map(|_| {
                    let ts = now - Duration::milliseconds(i64::try_from(rng.below(60_000)).unwrap_or(0));
                    request_event(rng, &service, 20, ts)
                })
                .collect();
            let json = serde_json::json!({ "requests": events }).to_string();
            let copy_binary = copy::request_events(&events);
            Batch {
                json,
                copy_binary,
                events: IngestBatch {
                    requests: events,
                    samples: Vec::new(),
                },
            }
        })
        .collect()
}

/// Records per second sending every batch to the ingest API, `senders` at a time.
async fn through_api(app: &BenchApp, client: &reqwest::Client, key: &str, batches: &[Batch], senders: usize) -> f64 {
    let started = Instant::now();
    let url = format!("{}/api/v1/ingest", app.address);
    let answers: Vec<u16> = futures::stream::iter(batches)
        .map(|batch| {
            let request = client
                .post(&url)
                .bearer_auth(key)
                .header("Content-Type", "application/json")
                .body(batch.json.clone());
            async move {
                match request.send().await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                }
            }
        })
        .buffer_unordered(senders)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let refused = answers.iter().filter(|s| **s != 202).count();
    assert_eq!(refused, 0, "every batch is accepted (answers: {answers:?})");
    (batches.len() * BATCH) as f64 / elapsed
}

/// Records per second copying every batch (one binary `COPY` each, committed
/// on its own like an ingest request) into `request_events`, `senders` at a
/// time.
async fn through_copy(pool: &PgPool, batches: &[Batch], senders: usize) -> f64 {
    let started = Instant::now();
    futures::stream::iter(batches)
        .map(|batch| async move {
            let mut conn = pool.acquire().await.expect("connection");
            copy::send(&mut conn, copy::COPY_REQUEST_EVENTS, &batch.copy_binary)
                .await
                .expect("COPY");
        })
        .buffer_unordered(senders)
        .collect::<Vec<()>>()
        .await;
    (batches.len() * BATCH) as f64 / started.elapsed().as_secs_f64()
}

/// Records per second storing every batch with `store_batch` (one
/// transaction each), `senders` at a time: the API's storage step alone,
/// without HTTP, parsing, the key check, rate limit or live publishing.
async fn through_store_batch(pool: &PgPool, batches: &[Batch], senders: usize) -> f64 {
    let started = Instant::now();
    futures::stream::iter(batches)
        .map(|batch| async move {
            let mut tx = pool.begin().await.expect("begin");
            store_batch(&mut tx, &batch.events).await.expect("stored");
            tx.commit().await.expect("commit");
        })
        .buffer_unordered(senders)
        .collect::<Vec<()>>()
        .await;
    (batches.len() * BATCH) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    // Production defaults except the rate limit: 600 requests/min per key would cap this at 10,000 records/s.
    let app = common::start(&[("OPSDECK_INGEST_RATE_PER_MIN", "1000000")]).await;
    let key = app.ingest_key().await;
    let client = reqwest::Client::new();
    let pool = app.pool(4).await;
    let mut rng = Rng::new(1);

    // Warm-up: connections, prepared statements, the first rollup rows.
    let warm = batches(&mut rng, 4);
    through_api(&app, &client, &key, &warm[..20], 4).await;
    through_copy(&pool, &warm[..20], 4).await;

    println!("ingest benchmark: {BATCHES} batches of {BATCH} request events per measurement, {ROUNDS} rounds");
    println!("load before: {}", machine_load());
    let mut rows = Vec::new();
    for senders in SENDERS {
        let (mut api, mut copy, mut ratios, mut stored) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            // Fresh rows (and timestamps) per round; the same rows for both sides.
            let data = batches(&mut rng, senders);
            let a = through_api(&app, &client, &key, &data, senders).await;
            let c = through_copy(&pool, &data, senders).await;
            api.push(a);
            copy.push(c);
            ratios.push(a / c);
            // Other rows (the same shape), so the rollup upserts do as much as the API's did.
            stored.push(through_store_batch(&pool, &batches(&mut rng, senders), senders).await);
        }
        let rounds = |values: &[f64]| values.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(", ");
        rows.push(vec![
            senders.to_string(),
            format!("{:.0} ({})", median(&api), rounds(&api)),
            format!("{:.0} ({})", median(&copy), rounds(&copy)),
            format!("{:.3}", median(&ratios)),
            format!("{:.0} ({})", median(&stored), rounds(&stored)),
        ]);
    }
    println!("load after:  {}", machine_load());
    print_table(
        &[
            "senders",
            "API records/s: median (rounds)",
            "COPY records/s: median (rounds)",
            "API / COPY",
            "store_batch alone records/s: median (rounds)",
        ],
        &rows,
    );
    let (events, deltas): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM request_events), (SELECT count(*) FROM request_rollups_1m)")
            .fetch_one(&pool)
            .await
            .expect("counts");
    println!(
        "request_events holds {events} rows (API, COPY and store_batch together); {deltas} per-endpoint minute rollup rows"
    );
    pool.close().await;
    app.finish().await;
}
