//! Benchmark 6: the log search index, chosen by measurement. 10,000,000
//! lines over the last 24 h (`BENCH_LINES` for a quick run), loaded by a
//! binary `COPY` with no index, then for each candidate index set: its build
//! time, the cost of ingesting with it (a raw `COPY` of 200,000 new lines,
//! 4 senders, batch 1000, against the same with no index), bytes on disk per
//! line, and p50/p95 of the queries over the 24 h:
//!
//! - (a) trigram GIN on `body` (the migration's): the app's own search code
//!   (`logs::ssr::search::page` / `histogram` with a parsed `Query`, and the
//!   whole `logs::ssr::page::search` the page calls);
//! - (b) GIN on `to_tsvector('simple', body)`: the same SQL with each word
//!   as `to_tsvector('simple', body) @@ phraseto_tsquery('simple', $word)`;
//! - (c) no body index, BRIN on `ts` instead of the `(ts, id)` B-tree: the
//!   app's `search::page` over time slices, newest first (5 min, then twice
//!   as long each time) until the page is full; Postgres scans partitions
//!   (and a slice) in parallel.
//!
//! The rare word is in exactly 7 lines, the common one in about half.
//! `cargo bench -p server --bench logs_search` (~40 min at 10 M lines).

mod common;

#[path = "logs_search/variants.rs"]
mod variants;

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use common::{Rng, lines, machine_load, print_table};
use futures::StreamExt;
use sqlx::PgPool;

use app::logs::ssr::copy;
use app::logs::ssr::search::Span;
use variants::{Measured, Variant};

/// In exactly `RARE_LINES` lines.
pub const RARE: &str = "zanzibar";
const RARE_LINES: usize = 7;
/// In about half the lines (one of `lines::WORDS`).
pub const COMMON: &str = "payment";
pub const FIELDS: &str = "service:checkout level>=error";
/// Services and their share of the lines (percent); three hosts each.
const SERVICES: [(&str, u64); 8] = [
    ("checkout", 20),
    ("search", 20),
    ("api", 15),
    ("auth", 10),
    ("billing", 10),
    ("mailer", 10),
    ("worker", 10),
    ("cron", 5),
];
/// Lines per `COPY` while loading.
const CHUNK: usize = 20_000;
const INGEST_BATCHES: usize = 200;
const INGEST_BATCH: usize = 1000;
const SENDERS: usize = 4;

fn service(rng: &mut Rng) -> &'static str {
    let mut pick = rng.below(100);
    for (name, share) in SERVICES {
        if pick < share {
            return name;
        }
        pick -= share;
    }
    SERVICES[0].0
}

/// Chunk `chunk` of `total` lines spread evenly over `span`, oldest first,
/// ids from 1 in time order, as binary `COPY` data.
fn chunk_data(chunk: usize, total: usize, span: Span) -> Vec<u8> {
    let mut rng = Rng::new(6_000 + chunk as u64);
    let first = chunk * CHUNK;
    let micros = (span.to - span.from).num_microseconds().unwrap_or(0) as f64;
    let rare_every = total / RARE_LINES;
    let mut out = Vec::with_capacity(CHUNK);
    for i in first..(first + CHUNK).min(total) {
        let ts = span.from + Duration::microseconds((i as f64 * micros / total as f64) as i64);
        let service = service(&mut rng);
        let host = format!("{service}-{}", rng.below(3));
        let mut line = lines::line(&mut rng, service, &host, ts, ts);
        if i % rare_every == rare_every / 2 && i / rare_every < RARE_LINES {
            line.body.push(' ');
            line.body.push_str(RARE);
        }
        out.push(line);
    }
    let ids: Vec<i64> = (first..first + out.len()).map(|i| i as i64 + 1).collect();
    copy::log_lines(&out, &ids).expect("COPY data")
}

/// Loads `total` lines over `span` (two `COPY`s at a time while the next chunks are made).
async fn load(pool: &PgPool, total: usize, span: Span) -> f64 {
    let started = Instant::now();
    futures::stream::iter(0..total.div_ceil(CHUNK))
        .map(|chunk| async move {
            let data = tokio::task::spawn_blocking(move || chunk_data(chunk, total, span))
                .await
                .expect("chunk made");
            lines::copy_all(pool, &[data.as_slice()], 1).await;
        })
        .buffer_unordered(3)
        .collect::<Vec<()>>()
        .await;
    sqlx::query("SELECT setval('log_lines_id_seq', $1)")
        .bind(total as i64 + 1)
        .execute(pool)
        .await
        .expect("sequence moved past the loaded ids");
    total as f64 / started.elapsed().as_secs_f64()
}

/// Ingest batches of new lines (timestamps just after the searched range),
/// ids reserved as ingest reserves them.
async fn ingest_batches(pool: &PgPool, rng: &mut Rng) -> Vec<Vec<u8>> {
    let now = Utc::now();
    let mut out = Vec::with_capacity(INGEST_BATCHES);
    for b in 0..INGEST_BATCHES {
        let service = SERVICES[b % SERVICES.len()].0;
        let host = format!("{service}-{}", b % 3);
        let batch: Vec<_> = (0..INGEST_BATCH)
            .map(|_| {
                let ts = now + Duration::milliseconds(rng.below(1000) as i64);
                lines::line(rng, service, &host, ts, ts)
            })
            .collect();
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('log_lines_id_seq') FROM generate_series(1, $1::bigint)")
                .bind(INGEST_BATCH as i64)
                .fetch_all(pool)
                .await
                .expect("ids");
        out.push(copy::log_lines(&batch, &ids).expect("COPY data"));
    }
    out
}

/// Lines/s of a raw binary `COPY` of 200,000 new lines with the indexes present now.
async fn ingest(pool: &PgPool, rng: &mut Rng) -> f64 {
    let batches = ingest_batches(pool, rng).await;
    let data: Vec<&[u8]> = batches.iter().map(Vec::as_slice).collect();
    let took = lines::copy_all(pool, &data, SENDERS).await;
    (INGEST_BATCHES * INGEST_BATCH) as f64 / took.as_secs_f64()
}

/// Runs `sql` and says how long it took.
async fn timed(pool: &PgPool, sql: &str) -> StdDuration {
    let started = Instant::now();
    sqlx::raw_sql(sql)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let took = started.elapsed();
    println!("{:>8.1} s  {sql}", took.as_secs_f64());
    took
}

/// Bytes on disk of every partition: (table with TOAST, indexes, total).
async fn sizes(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT coalesce(sum(pg_table_size(inhrelid)), 0)::bigint, \
                coalesce(sum(pg_indexes_size(inhrelid)), 0)::bigint, \
                coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint \
         FROM pg_inherits WHERE inhparent = 'log_lines'::regclass",
    )
    .fetch_one(pool)
    .await
    .expect("sizes")
}

fn mb(bytes: i64) -> String {
    format!("{:.0}", bytes as f64 / 1e6)
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let app = common::start(&[("OPSDECK_OWN_LOGS", "off")]).await;
    let pool = app.pool(SENDERS as u32).await;
    let now = Utc::now();
    let span = Span {
        from: now - Duration::hours(24),
        to: now,
    };
    println!(
        "logs search benchmark: {total} lines over 24 h; load before: {}",
        machine_load()
    );
    sqlx::raw_sql("DROP INDEX log_lines_ts_idx, log_lines_service_idx, log_lines_trace_idx, log_lines_body_trgm_idx")
        .execute(&pool)
        .await
        .expect("indexes dropped for the load");
    let rate = load(&pool, total, span).await;
    println!("loaded {total} lines by binary COPY without indexes: {rate:.0} lines/s");
    timed(&pool, "VACUUM (ANALYZE) log_lines").await;
    let mut rng = Rng::new(66);
    let mut stored = total;
    let bare = ingest(&pool, &mut rng).await;
    stored += INGEST_BATCHES * INGEST_BATCH;
    println!("ingest with no index: {bare:.0} lines/s ({})", machine_load());

    let mut built = StdDuration::ZERO;
    for sql in [
        "CREATE INDEX log_lines_ts_idx ON log_lines (ts, id)",
        "CREATE INDEX log_lines_service_idx ON log_lines (service, host, ts, id)",
        "CREATE INDEX log_lines_trace_idx ON log_lines (trace_id) WHERE trace_id IS NOT NULL",
    ] {
        built += timed(&pool, sql).await;
    }
    let (table, base_indexes, _) = sizes(&pool).await;
    let base_per_line = (table + base_indexes) / stored as i64;
    let base = ingest(&pool, &mut rng).await;
    stored += INGEST_BATCHES * INGEST_BATCH;
    println!("ingest with the B-trees alone: {base:.0} lines/s ({})", machine_load());

    let mut rows = vec![vec![
        "B-trees only: (ts, id), (service, host, ts, id), trace".to_string(),
        format!("{:.0}", built.as_secs_f64()),
        format!("{base:.0}"),
        format!("{:.2}", base / bare),
        mb(base_indexes),
        base_per_line.to_string(),
    ]];
    let mut measured: Vec<(Variant, Vec<Measured>)> = Vec::new();
    for variant in Variant::ALL {
        println!("\n{} (load: {})", variant.name(), machine_load());
        let mut build = StdDuration::ZERO;
        for sql in variant.build() {
            build += timed(&pool, sql).await;
        }
        timed(&pool, "ANALYZE log_lines").await;
        let (_, indexes, all) = sizes(&pool).await;
        let per_line = all / stored as i64;
        let rate = ingest(&pool, &mut rng).await;
        stored += INGEST_BATCHES * INGEST_BATCH;
        println!("ingest: {rate:.0} lines/s ({})", machine_load());
        rows.push(vec![
            variant.name().to_string(),
            format!("{:.0}", build.as_secs_f64()),
            format!("{rate:.0}"),
            format!("{:.2}", rate / bare),
            mb(indexes),
            per_line.to_string(),
        ]);
        measured.push((variant, variants::queries(&app, &pool, variant, span).await));
        for sql in variant.drop() {
            timed(&pool, sql).await;
        }
    }
    println!("\nload after: {}", machine_load());
    println!("table with TOAST: {} MB for {total} lines", mb(table));
    print_table(
        &[
            "index set",
            "build s",
            "COPY lines/s with it",
            "/ no index",
            "indexes MB",
            "bytes/line on disk",
        ],
        &rows,
    );
    println!("(no index at all: {bare:.0} lines/s)");
    variants::print(&measured);
    pool.close().await;
    app.finish().await;
}
