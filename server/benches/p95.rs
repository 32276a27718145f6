//! Benchmark 2: the P95 of one service over 24 hours with 10 M raw events,
//! answered from the rollups (the Performance page's query, which reads the
//! service's hourly rows for the whole hours and its per-minute rows for the
//! minutes before and after them) and
//! by exact SQL (`percentile_disc` over `request_events`): the time of each,
//! their ratio and the rollups' relative error.
//!
//! The data goes in through the real write path, `store_batch`, which stores
//! every event raw *and* adds it to the rollups, so both sides read exactly
//! the same events: the same service, the same minute-aligned window.
//! A second service gets a tenth as many events, so the exact query has to
//! pick its service's rows out like it would in a real installation.
//! `cargo bench -p server --bench p95`

mod common;

use std::time::Instant;

use chrono::{DateTime, Duration, DurationRound, Utc};
use common::{Rng, machine_load, median, print_table, request_event};
use futures::StreamExt;
use sqlx::PgPool;

use app::metrics::IngestBatch;
use app::metrics::ssr::compact::compact_deltas;
use app::metrics::ssr::queries::latency_series;
use app::metrics::ssr::store::store_batch;

const SERVICE: &str = "checkout";
const SERVICE_EVENTS: u64 = 10_000_000;
const OTHER: &str = "search";
const OTHER_EVENTS: u64 = 1_000_000;
const MINUTES: i64 = 24 * 60;
/// Minutes per `store_batch` call: about 76,000 events.
const MINUTES_PER_BATCH: i64 = 10;
const RUNS: usize = 3;

/// Events of minute `m` for a service with `total` events spread evenly over the window.
fn per_minute(total: u64, m: i64) -> u64 {
    let m = u64::try_from(m).unwrap_or(0);
    let minutes = u64::try_from(MINUTES).unwrap_or(1);
    total * (m + 1) / minutes - total * m / minutes
}

fn batch_for(first_minute: i64, from: DateTime<Utc>) -> IngestBatch {
    let mut rng = Rng::new(u64::try_from(first_minute).unwrap_or(0) + 7);
    let mut batch = IngestBatch::default();
    for m in first_minute..(first_minute + MINUTES_PER_BATCH).min(MINUTES) {
        let minute = from + Duration::minutes(m);
        for (service, total) in [(SERVICE, SERVICE_EVENTS), (OTHER, OTHER_EVENTS)] {
            for _ in 0..per_minute(total, m) {
                let ts = minute + Duration::microseconds(i64::try_from(rng.below(60_000_000)).unwrap_or(0));
                batch.requests.push(request_event(&mut rng, service, 20, ts));
            }
        }
    }
    batch
}

/// Stores the whole window through `store_batch`, two transactions at a time.
async fn load(pool: &PgPool, from: DateTime<Utc>) -> f64 {
    let started = Instant::now();
    let firsts: Vec<i64> = (0..MINUTES)
        .step_by(usize::try_from(MINUTES_PER_BATCH).unwrap_or(1))
        .collect();
    futures::stream::iter(firsts)
        .map(|first| async move {
            let batch = tokio::task::spawn_blocking(move || batch_for(first, from))
                .await
                .expect("batch generated");
            let mut tx = pool.begin().await.expect("begin");
            store_batch(&mut tx, &batch).await.expect("batch stored");
            tx.commit().await.expect("commit");
        })
        .buffer_unordered(2)
        .collect::<Vec<()>>()
        .await;
    started.elapsed().as_secs_f64()
}

async fn scalar_text(pool: &PgPool, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[tokio::main]
async fn main() {
    let app = common::start(&[]).await;
    let pool = app.pool(2).await;
    let to = Utc::now().duration_trunc(Duration::minutes(1)).expect("a minute");
    let from = to - Duration::minutes(MINUTES);

    println!(
        "P95 benchmark: {SERVICE_EVENTS} events of '{SERVICE}' and {OTHER_EVENTS} of '{OTHER}' over [{from}, {to})"
    );
    let load_secs = load(&pool, from).await;
    let total = SERVICE_EVENTS + OTHER_EVENTS;
    println!(
        "loaded through store_batch (raw rows + rollups, 2 transactions at a time): {total} events in {load_secs:.0} s = {:.0} events/s",
        total as f64 / load_secs
    );
    // What the compactor does in the background while traffic comes in.
    let compact_started = Instant::now();
    let folded = {
        let mut conn = pool.acquire().await.expect("connection");
        compact_deltas(&mut conn, from - Duration::hours(1), to + Duration::hours(1))
            .await
            .expect("compacted")
    };
    println!(
        "compacted the per-endpoint rollup deltas: {folded} rows folded in {:.0} s",
        compact_started.elapsed().as_secs_f64()
    );
    let vacuum_started = Instant::now();
    for table in [
        "request_events",
        "request_rollups_1m",
        "request_rollups_1h",
        "service_rollups_1m",
        "service_rollups_1h",
    ] {
        sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
            .execute(&pool)
            .await
            .expect("vacuum");
    }
    println!(
        "VACUUM (ANALYZE) of the raw table and the rollup tiers: {:.0} s",
        vacuum_started.elapsed().as_secs_f64()
    );
    let hour = Duration::hours(1);
    let first_hour = from.duration_trunc(hour).expect("hour") + hour;
    let end_hour = to.duration_trunc(hour).expect("hour");
    let sizes: (i64, i64, f64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM service_rollups_1h WHERE service = $1 AND hour >= $4 AND hour < $5), \
                (SELECT count(*) FROM service_rollups_1m WHERE service = $1 \
                     AND ((minute >= $2 AND minute < $4) OR (minute >= $5 AND minute < $3))), \
                (SELECT avg(cardinality(hist_idx))::float8 FROM service_rollups_1h WHERE service = $1 AND hour >= $4 AND hour < $5), \
                (SELECT sum(pg_total_relation_size(inhrelid))::bigint FROM pg_inherits WHERE inhparent = 'request_events'::regclass), \
                (SELECT sum(pg_total_relation_size(inhrelid))::bigint FROM pg_inherits \
                 WHERE inhparent IN ('request_rollups_1m'::regclass, 'request_rollups_1h'::regclass, \
                                     'service_rollups_1m'::regclass, 'service_rollups_1h'::regclass))",
    )
    .bind(SERVICE)
    .bind(from)
    .bind(to)
    .bind(first_hour)
    .bind(end_hour)
    .fetch_one(&pool)
    .await
    .expect("sizes");
    println!(
        "rollup rows read for '{SERVICE}': {} hourly (about {:.0} histogram buckets each) and {} per-minute; \
         on disk: raw events {} MB, all rollup tiers {} MB",
        sizes.0,
        sizes.2,
        sizes.1,
        sizes.3 / 1_000_000,
        sizes.4 / 1_000_000
    );
    println!(
        "Postgres: work_mem {}, shared_buffers {}, max_parallel_workers_per_gather {}",
        scalar_text(&pool, "SHOW work_mem").await,
        scalar_text(&pool, "SHOW shared_buffers").await,
        scalar_text(&pool, "SHOW max_parallel_workers_per_gather").await
    );

    let exact_sql = "SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms), count(*) \
                     FROM request_events WHERE service = $1 AND ts >= $2 AND ts < $3";
    let mut conn = pool.acquire().await.expect("connection");
    println!("load before: {}", machine_load());
    let (mut rollup_secs, mut exact_secs) = (Vec::new(), Vec::new());
    let (mut rollup_p95, mut exact_p95, mut counts) = (0.0, 0.0, (0, 0));
    for _ in 0..RUNS {
        // The Performance page's "overall" point: one step as long as the window.
        let started = Instant::now();
        let points = latency_series(&mut conn, SERVICE, None, from, to, (to - from) + Duration::minutes(1))
            .await
            .expect("rollup query");
        rollup_secs.push(started.elapsed().as_secs_f64());
        let point = points.first().expect("one point");
        rollup_p95 = point.p95_ms;

        let started = Instant::now();
        let (p95, count): (f64, i64) = sqlx::query_as(exact_sql)
            .bind(SERVICE)
            .bind(from)
            .bind(to)
            .fetch_one(&mut *conn)
            .await
            .expect("exact query");
        exact_secs.push(started.elapsed().as_secs_f64());
        exact_p95 = p95;
        counts = (point.count, count);
    }
    println!("load after:  {}", machine_load());
    assert_eq!(counts.0, counts.1, "both sides read the same events");
    let runs = |values: &[f64]| {
        values
            .iter()
            .map(|v| format!("{:.1}", v * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    print_table(
        &["answered from", "events", "P95 ms", "time ms: median (runs)"],
        &[
            vec![
                "rollups (latency_series)".into(),
                counts.0.to_string(),
                format!("{rollup_p95:.3}"),
                format!("{:.1} ({})", median(&rollup_secs) * 1000.0, runs(&rollup_secs)),
            ],
            vec![
                "exact (percentile_disc)".into(),
                counts.1.to_string(),
                format!("{exact_p95:.3}"),
                format!("{:.1} ({})", median(&exact_secs) * 1000.0, runs(&exact_secs)),
            ],
        ],
    );
    println!(
        "exact / rollups time: {:.2}x; relative error of the rollups' P95: {:.3} % (bound 1 %)",
        median(&exact_secs) / median(&rollup_secs),
        (rollup_p95 - exact_p95).abs() / exact_p95 * 100.0
    );

    // Untimed: the other two percentiles the page shows, for their errors.
    let exact: Vec<f64> = sqlx::query_scalar(
        "SELECT percentile_disc(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY duration_ms) \
         FROM request_events WHERE service = $1 AND ts >= $2 AND ts < $3",
    )
    .bind(SERVICE)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await
    .expect("exact P50/P99");
    let points = latency_series(&mut conn, SERVICE, None, from, to, (to - from) + Duration::minutes(1))
        .await
        .expect("rollup query");
    let point = points.first().expect("one point");
    for (name, estimate, exact) in [("P50", point.p50_ms, exact[0]), ("P99", point.p99_ms, exact[1])] {
        println!(
            "{name}: rollups {estimate:.3} ms, exact {exact:.3} ms, relative error {:.3} %",
            (estimate - exact).abs() / exact * 100.0
        );
    }
    drop(conn);
    pool.close().await;
    app.finish().await;
}
