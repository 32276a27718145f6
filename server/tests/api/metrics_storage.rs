//! Metrics storage against real Postgres: raw rows and rollups written by
//! `store_batch`, concurrency of the rollup upsert, percentile accuracy of
//! the rollup histograms, partitions made on demand, and retention.

use std::collections::BTreeMap;

use app::metrics::ssr::partitions::{self, StoredKind};
use app::metrics::ssr::queries;
use app::metrics::ssr::store::store_batch;
use app::metrics::{EndpointOrder, IngestBatch, MetricKind, MetricSample, RequestEvent};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use opsdeck::config::RetentionSettings;
use opsdeck::workers::retention;
use sqlx::{PgPool, Row};

use crate::helpers::fresh_pool;

fn event(service: &str, endpoint: &str, status: i16, duration_ms: f64, ts: DateTime<Utc>) -> RequestEvent {
    RequestEvent {
        service: service.into(),
        endpoint: endpoint.into(),
        method: "GET".into(),
        status,
        duration_ms,
        ts,
    }
}

fn sample(name: &str, value: f64, ts: DateTime<Utc>, labels: &[(&str, &str)]) -> MetricSample {
    MetricSample {
        service: "api".into(),
        name: name.into(),
        value,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ts,
        kind: MetricKind::Gauge,
    }
}

/// A minute boundary in the current hour (today's partition exists).
fn this_minute() -> DateTime<Utc> {
    let now = Utc::now() - Duration::minutes(5);
    Utc.timestamp_opt(now.timestamp() - now.timestamp() % 60, 0)
        .single()
        .expect("valid timestamp")
}

async fn store(pool: &PgPool, batch: &IngestBatch) {
    let mut tx = pool.begin().await.expect("begin");
    store_batch(&mut tx, batch).await.expect("batch stored");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_batch_writes_raw_rows_and_per_minute_rollups() {
    let (_database, pool) = fresh_pool().await;
    let minute = this_minute();
    let batch = IngestBatch {
        requests: vec![
            event("api", "/users", 200, 10.0, minute),
            event("api", "/users", 503, 30.0, minute + Duration::seconds(59)),
            event("api", "/users", 200, 20.0, minute + Duration::milliseconds(59_999)),
            // The next minute starts exactly at the boundary.
            event("api", "/users", 200, 5.0, minute + Duration::seconds(60)),
            event("api", "/orders", 404, 7.0, minute + Duration::seconds(1)),
        ],
        samples: vec![
            sample(
                "cpu",
                0.5,
                minute + Duration::seconds(10),
                &[("host", "a"), ("az", "1")],
            ),
            sample(
                "cpu",
                0.9,
                minute + Duration::seconds(50),
                &[("az", "1"), ("host", "a")],
            ),
            sample(
                "cpu",
                0.1,
                minute + Duration::seconds(30),
                &[("host", "a"), ("az", "1")],
            ),
            sample("cpu", 0.7, minute + Duration::seconds(20), &[("host", "b")]),
        ],
    };
    store(&pool, &batch).await;

    let raw: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(raw, 5);
    let samples: i64 = sqlx::query_scalar("SELECT count(*) FROM metric_samples")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(samples, 4);

    let rows = sqlx::query(
        "SELECT minute, endpoint, count, errors, sum_ms, min_ms, max_ms, hist_cnt \
         FROM request_rollups_1m ORDER BY endpoint, minute",
    )
    .fetch_all(&pool)
    .await
    .expect("rollups");
    type Rollup = (DateTime<Utc>, String, i64, i64, f64, f64, f64, i64);
    let summary: Vec<Rollup> = rows
        .iter()
        .map(|r| {
            let hist: Vec<i64> = r.get("hist_cnt");
            (
                r.get("minute"),
                r.get("endpoint"),
                r.get("count"),
                r.get("errors"),
                r.get("sum_ms"),
                r.get("min_ms"),
                r.get("max_ms"),
                hist.iter().sum(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (minute, "/orders".to_string(), 1, 0, 7.0, 7.0, 7.0, 1),
            (minute, "/users".to_string(), 3, 1, 60.0, 10.0, 30.0, 3),
            (
                minute + Duration::minutes(1),
                "/users".to_string(),
                1,
                0,
                5.0,
                5.0,
                5.0,
                1
            ),
        ]
    );

    let series = sqlx::query(
        "SELECT labels::text AS labels, count, min, max, sum, last, last_ts FROM metric_rollups_1m ORDER BY labels::text",
    )
    .fetch_all(&pool)
    .await
    .expect("metric rollups");
    assert_eq!(series.len(), 2, "label order does not make a new series");
    let a = &series[0];
    assert_eq!(a.get::<String, _>("labels"), r#"{"az": "1", "host": "a"}"#);
    assert_eq!(a.get::<i64, _>("count"), 3);
    assert_eq!(a.get::<f64, _>("min"), 0.1);
    assert_eq!(a.get::<f64, _>("max"), 0.9);
    assert!((a.get::<f64, _>("sum") - 1.5).abs() < 1e-9);
    assert_eq!(
        a.get::<f64, _>("last"),
        0.9,
        "last is the latest by timestamp, not by position"
    );
    assert_eq!(a.get::<DateTime<Utc>, _>("last_ts"), minute + Duration::seconds(50));

    // A second batch for the same minute adds to the rollups.
    store(
        &pool,
        &IngestBatch {
            requests: vec![event("api", "/orders", 500, 70.0, minute)],
            samples: vec![sample("cpu", 0.3, minute + Duration::seconds(5), &[("host", "b")])],
        },
    )
    .await;
    // Per endpoint, each batch appends its own row; the compactor folds them.
    let orders = "SELECT count, errors, max_ms FROM request_rollups_1m WHERE endpoint = '/orders' ORDER BY count";
    let deltas: Vec<(i64, i64, f64)> = sqlx::query_as(orders).fetch_all(&pool).await.expect("deltas");
    assert_eq!(deltas, vec![(1, 0, 7.0), (1, 1, 70.0)]);
    compact(&pool, minute).await;
    let folded: Vec<(i64, i64, f64)> = sqlx::query_as(orders).fetch_all(&pool).await.expect("folded");
    assert_eq!(folded, vec![(2, 1, 70.0)]);
    // The service tiers hold one row per key from the start.
    let service_minutes: Vec<(DateTime<Utc>, i64, i64, f64, f64)> =
        sqlx::query_as("SELECT minute, count, errors, min_ms, max_ms FROM service_rollups_1m ORDER BY minute")
            .fetch_all(&pool)
            .await
            .expect("service minutes");
    assert_eq!(
        service_minutes,
        vec![
            (minute, 5, 2, 7.0, 70.0),
            (minute + Duration::minutes(1), 1, 0, 5.0, 5.0)
        ]
    );
    let hours: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'service', sum(count)::bigint FROM service_rollups_1h \
         UNION ALL SELECT endpoint, sum(count)::bigint FROM request_rollups_1h GROUP BY endpoint ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("hours");
    assert_eq!(
        hours,
        vec![("/orders".into(), 2), ("/users".into(), 4), ("service".into(), 6)]
    );
    let (count, last): (i64, f64) =
        sqlx::query_as("SELECT count, last FROM metric_rollups_1m WHERE labels = '{\"host\": \"b\"}'")
            .fetch_one(&pool)
            .await
            .expect("series");
    assert_eq!((count, last), (2, 0.7), "an older sample does not replace last");
}

/// Folds the per-endpoint deltas of the hour around `minute`, as the compactor does.
async fn compact(pool: &sqlx::PgPool, minute: DateTime<Utc>) {
    let mut conn = pool.acquire().await.expect("connection");
    app::metrics::ssr::compact::compact_deltas(&mut conn, minute - Duration::hours(1), minute + Duration::hours(1))
        .await
        .expect("compacted");
}

fn requests(events: Vec<RequestEvent>) -> IngestBatch {
    IngestBatch {
        requests: events,
        samples: Vec::new(),
    }
}

#[tokio::test]
async fn concurrent_batches_for_the_same_minute_lose_nothing() {
    let (_database, pool) = fresh_pool().await;
    let minute = this_minute();

    // Interleaved by hand: the second transaction's upsert waits for the first.
    let mut first = pool.begin().await.expect("begin");
    store_batch(&mut first, &requests(vec![event("api", "/a", 200, 1.0, minute); 10]))
        .await
        .expect("first");
    let second = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.expect("begin");
            store_batch(&mut tx, &requests(vec![event("api", "/a", 500, 2.0, minute); 5]))
                .await
                .expect("second");
            tx.commit().await.expect("commit second");
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.expect("commit first");
    second.await.expect("second task");
    compact(&pool, minute).await;
    let (count, errors, sum_ms, hist): (i64, i64, f64, Vec<i64>) =
        sqlx::query_as("SELECT count, errors, sum_ms, hist_cnt FROM request_rollups_1m WHERE endpoint = '/a'")
            .fetch_one(&pool)
            .await
            .expect("rollup");
    assert_eq!((count, errors, sum_ms, hist), (15, 5, 20.0, vec![10, 5]));

    // Many writers over overlapping keys, in different orders: no lost
    // update and no deadlock (rows are upserted in key order).
    let endpoints = ["/x", "/y", "/z"];
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for round in 0..10 {
                    let events = (0..200)
                        .map(|i| {
                            let endpoint = endpoints[(i + task + round) % endpoints.len()];
                            let ts = minute + Duration::seconds(((i * 7 + task) % 120) as i64);
                            event(
                                "api",
                                endpoint,
                                if i % 10 == 0 { 500 } else { 200 },
                                (i % 50) as f64 + 0.5,
                                ts,
                            )
                        })
                        .rev()
                        .collect();
                    store(&pool, &requests(events)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let (count, errors, in_histograms): (i64, i64, i64) = sqlx::query_as(
        "SELECT sum(count)::bigint, sum(errors)::bigint, \
                (SELECT sum(c)::bigint FROM request_rollups_1m r2, unnest(r2.hist_cnt) c WHERE r2.endpoint <> '/a') \
         FROM request_rollups_1m WHERE endpoint <> '/a'",
    )
    .fetch_one(&pool)
    .await
    .expect("totals");
    assert_eq!((count, errors, in_histograms), (16_000, 1_600, 16_000));
    let (count, errors): (i64, i64) =
        sqlx::query_as("SELECT sum(count)::bigint, sum(errors)::bigint FROM service_rollups_1m")
            .fetch_one(&pool)
            .await
            .expect("service totals");
    assert_eq!(
        (count, errors),
        (16_015, 1_605),
        "the upserted service rows lose nothing either"
    );
    let raw: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events WHERE endpoint <> '/a'")
        .fetch_one(&pool)
        .await
        .expect("raw");
    assert_eq!(raw, 16_000);
}

/// xorshift64*, so the distribution is the same on every run.
struct Deterministic(u64);

impl Deterministic {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Log-normal around 40 ms with a long tail (σ = 1.2), via Box–Muller.
    fn latency_ms(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        (40f64.ln() + 1.2 * z).exp()
    }
}

#[tokio::test]
async fn rollup_percentiles_are_within_one_percent_of_exact_ones() {
    let (_database, pool) = fresh_pool().await;
    let start = this_minute() - Duration::minutes(30);
    let mut random = Deterministic(0x0005_eed0_f0b5_dec4);
    // 100,000 requests over 20 minutes, stored in 10 batches, so the read
    // merges 20 minute histograms each built from several upserts.
    for batch in 0..10 {
        let events = (0..10_000)
            .map(|i| {
                let ts = start + Duration::milliseconds(((batch * 10_000 + i) * 12) as i64);
                event("api", "/checkout", 200, random.latency_ms(), ts)
            })
            .collect();
        store(&pool, &requests(events)).await;
    }
    let exact: Vec<f64> = sqlx::query_scalar(
        "SELECT percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) FROM request_events",
    )
    .fetch_one(&pool)
    .await
    .expect("exact percentiles");

    let mut conn = pool.acquire().await.expect("connection");
    let from = start;
    let to = start + Duration::hours(1);
    let table = queries::endpoint_table(&mut conn, "api", from, to, EndpointOrder::SlowestP95)
        .await
        .expect("endpoint table");
    assert_eq!(table.len(), 1);
    let row = &table[0];
    assert_eq!(row.requests, 100_000);
    let series = queries::latency_series(&mut conn, "api", Some("/checkout"), from, to, Duration::hours(1))
        .await
        .expect("series");
    assert_eq!(series.len(), 1);
    let point = &series[0];
    let summary = queries::service_summary(&mut conn, from, to).await.expect("summary");

    for (name, exact, from_rollups) in [
        ("p50", exact[0], [row.p50_ms, point.p50_ms]),
        ("p95", exact[1], [row.p95_ms, point.p95_ms]),
        ("p99", exact[2], [row.p99_ms, point.p99_ms]),
    ] {
        for estimate in from_rollups {
            let error = (estimate - exact).abs() / exact;
            eprintln!(
                "{name}: exact {exact:.4} ms, from rollups {estimate:.4} ms, relative error {:.4} %",
                error * 100.0
            );
            assert!(error <= 0.01, "{name}: {estimate} vs exact {exact} ({error})");
        }
    }
    assert_eq!(summary[0].p95_ms, row.p95_ms);
    let exact_max: f64 = sqlx::query_scalar("SELECT max(duration_ms) FROM request_events")
        .fetch_one(&pool)
        .await
        .expect("max");
    assert_eq!(row.max_ms, exact_max);
}

#[tokio::test]
async fn series_summaries_and_endpoint_tables_read_the_rollups() {
    let (_database, pool) = fresh_pool().await;
    let start = this_minute() - Duration::minutes(10);
    let mut events = Vec::new();
    for minute in 0..4 {
        let t = start + Duration::minutes(minute);
        events.extend((0..10).map(|i| event("api", "/slow", 200, 100.0 + f64::from(i), t)));
        events.extend((0..10).map(|i| event("api", "/flaky", if i < 5 { 502 } else { 200 }, 10.0, t)));
        events.push(event("web", "/", 200, 1.0, t));
    }
    store(&pool, &requests(events)).await;
    let mut conn = pool.acquire().await.expect("connection");
    let to = start + Duration::minutes(4);

    let series = queries::latency_series(&mut conn, "api", None, start, to, Duration::minutes(2))
        .await
        .expect("series");
    assert_eq!(
        series.iter().map(|p| (p.t, p.count, p.errors)).collect::<Vec<_>>(),
        vec![(start, 40, 10), (start + Duration::minutes(2), 40, 10),]
    );
    assert_eq!(series[0].max_ms, 109.0);

    let summary = queries::service_summary(&mut conn, start, to).await.expect("summary");
    assert_eq!(
        summary
            .iter()
            .map(|s| (s.service.as_str(), s.requests, s.errors))
            .collect::<Vec<_>>(),
        vec![("api", 80, 20), ("web", 4, 0),]
    );
    assert!((summary[0].throughput_per_s - 80.0 / 240.0).abs() < 1e-9);
    assert!((summary[0].error_rate - 0.25).abs() < 1e-9);

    let slowest = queries::endpoint_table(&mut conn, "api", start, to, EndpointOrder::SlowestP95)
        .await
        .expect("table");
    assert_eq!(
        slowest.iter().map(|e| e.endpoint.as_str()).collect::<Vec<_>>(),
        vec!["/slow", "/flaky"]
    );
    let failing = queries::endpoint_table(&mut conn, "api", start, to, EndpointOrder::MostFailing)
        .await
        .expect("table");
    assert_eq!(
        failing.iter().map(|e| e.endpoint.as_str()).collect::<Vec<_>>(),
        vec!["/flaky", "/slow"]
    );
    assert_eq!(failing[0].error_rate, 0.5);
    // Outside the range: nothing.
    let empty = queries::service_summary(&mut conn, to, to + Duration::hours(1))
        .await
        .expect("summary");
    assert!(empty.is_empty());
}

#[tokio::test]
async fn long_ranges_read_whole_hours_from_the_hourly_tiers_and_agree_with_the_minutes() {
    let (_database, pool) = fresh_pool().await;
    let now = Utc::now();
    let start = Utc
        .timestamp_opt(now.timestamp() - now.timestamp() % 3600 - 4 * 3600, 0)
        .single()
        .expect("an hour");
    // 3.5 hours of two endpoints, three requests each per minute, in 10-minute batches.
    for batch in 0..21 {
        let events: Vec<RequestEvent> = (batch * 10..batch * 10 + 10)
            .flat_map(|m| {
                ["/a", "/b"].into_iter().flat_map(move |endpoint| {
                    (0..3).map(move |i| {
                        let status = if (m + i) % 17 == 0 { 500 } else { 200 };
                        let ms = 5.0 + ((m * 7 + i * 13) % 97) as f64 * if endpoint == "/a" { 1.0 } else { 3.0 };
                        event(
                            "api",
                            endpoint,
                            status,
                            ms,
                            start + Duration::minutes(m) + Duration::seconds(i * 10),
                        )
                    })
                })
            })
            .collect();
        store(&pool, &requests(events)).await;
    }
    compact(&pool, start + Duration::hours(2)).await;
    let (from, to) = (start + Duration::minutes(17), start + Duration::minutes(3 * 60 + 23));
    let whole = (to - from) + Duration::minutes(1);
    let mut conn = pool.acquire().await.expect("connection");

    for endpoint in [None, Some("/a")] {
        let minutes = queries::request_minutes(&mut conn, "api", endpoint, from, to)
            .await
            .expect("minutes");
        let mut expected = queries::Merged::new(());
        minutes.iter().for_each(|m| expected.merge(m));
        let raw: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM request_events WHERE ($1::text IS NULL OR endpoint = $1) AND ts >= $2 AND ts < $3",
        )
        .bind(endpoint)
        .bind(from)
        .bind(to)
        .fetch_one(&pool)
        .await
        .expect("raw");
        assert_eq!(expected.count, raw, "{endpoint:?}: the minutes hold every event");
        let overall = queries::latency_series(&mut conn, "api", endpoint, from, to, whole)
            .await
            .expect("overall");
        assert_eq!(overall.len(), 1);
        let point = &overall[0];
        assert_eq!(
            (point.t, point.count, point.errors),
            (from, expected.count, expected.errors)
        );
        assert_eq!(
            point.p95_ms,
            expected.quantile(0.95),
            "{endpoint:?}: the same histogram"
        );
        assert_eq!(point.max_ms, expected.max_ms);

        // Hourly steps from an hour: one point per hour, each the sum of its minutes.
        let hourly = queries::latency_series(
            &mut conn,
            "api",
            endpoint,
            start,
            start + Duration::hours(4),
            Duration::hours(1),
        )
        .await
        .expect("hourly");
        let per_hour: Vec<i64> = (0..4)
            .map(|h| {
                minutes
                    .iter()
                    .filter(|m| m.key >= start + Duration::hours(h) && m.key < start + Duration::hours(h + 1))
                    .map(|m| m.count)
                    .sum()
            })
            .collect();
        let inside: Vec<i64> = hourly.iter().map(|p| p.count).collect();
        assert_eq!(inside.len(), 4);
        assert_eq!(
            inside[1..3],
            per_hour[1..3],
            "{endpoint:?}: whole hours inside the window"
        );
    }

    // Proof that the whole hours come from the hourly tiers: with the minute
    // rows of hours 1 and 2 gone, the window still counts them.
    let before = queries::latency_series(&mut conn, "api", None, from, to, whole)
        .await
        .expect("before");
    let table = queries::endpoint_table(&mut conn, "api", from, to, EndpointOrder::SlowestP95)
        .await
        .expect("table");
    for minute_table in ["service_rollups_1m", "request_rollups_1m"] {
        sqlx::query(&format!(
            "DELETE FROM {minute_table} WHERE minute >= $1 AND minute < $2"
        ))
        .bind(start + Duration::hours(1))
        .bind(start + Duration::hours(3))
        .execute(&pool)
        .await
        .expect("delete");
    }
    let after = queries::latency_series(&mut conn, "api", None, from, to, whole)
        .await
        .expect("after");
    assert_eq!(after, before);
    let table_after = queries::endpoint_table(&mut conn, "api", from, to, EndpointOrder::SlowestP95)
        .await
        .expect("table");
    assert_eq!(table_after, table);
    assert_eq!(table.iter().map(|e| e.requests).sum::<i64>(), before[0].count);
}

fn every_metrics_table() -> impl Iterator<Item = &'static str> {
    [StoredKind::RawEvents, StoredKind::Rollups]
        .into_iter()
        .flat_map(|kind| kind.tables().iter().copied())
}

async fn partitions_of(pool: &PgPool, table: &str) -> Vec<NaiveDate> {
    let mut conn = pool.acquire().await.expect("connection");
    partitions::list_partitions(&mut conn, table)
        .await
        .expect("partitions")
        .into_iter()
        .map(|(_, day)| day)
        .collect()
}

#[tokio::test]
async fn a_batch_for_a_day_without_partitions_creates_them() {
    let (_database, pool) = fresh_pool().await;
    let two_days_ago = Utc::now() - Duration::days(2);
    let day = two_days_ago.date_naive();
    let suffix = day.format("%Y%m%d");
    for table in every_metrics_table() {
        // The template may have been migrated days ago; make sure the day is missing.
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}_p{suffix}"))
            .execute(&pool)
            .await
            .expect("drop");
        assert!(!partitions_of(&pool, table).await.contains(&day));
    }
    store(
        &pool,
        &IngestBatch {
            requests: vec![event("api", "/old", 200, 3.0, two_days_ago)],
            samples: vec![sample("queue_depth", 4.0, two_days_ago, &[])],
        },
    )
    .await;
    for table in every_metrics_table() {
        assert!(
            partitions_of(&pool, table).await.contains(&day),
            "{table} has a partition for {day}"
        );
        let in_partition: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}_p{suffix}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(in_partition, 1, "{table}");
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[tokio::test]
async fn retention_drops_exactly_the_partitions_outside_the_window() {
    let (_database, pool) = fresh_pool().await;
    // Long before the partitions migrations and start-up create, so only these are in play.
    let today = day(2020, 1, 15);
    let mut conn = pool.acquire().await.expect("connection");
    partitions::ensure_partitions(&mut conn, day(2020, 1, 5), 10)
        .await
        .expect("partitions");
    for n in 5..=15 {
        let ts = Utc
            .with_ymd_and_hms(2020, 1, n, 12, 0, 0)
            .single()
            .expect("valid timestamp");
        store(
            &pool,
            &IngestBatch {
                requests: vec![event("api", "/", 200, 1.0, ts)],
                samples: vec![sample("up", 1.0, ts, &[])],
            },
        )
        .await;
    }
    let old_raw = |dropped: &[String]| {
        let mut names = dropped.to_vec();
        names.sort();
        names
    };

    let dropped = partitions::drop_expired_partitions(&mut conn, StoredKind::RawEvents, 7, today)
        .await
        .expect("raw retention");
    // Kept: 8 Jan (today − 7) to 15 Jan; dropped: 5, 6, 7 Jan.
    assert_eq!(
        old_raw(&dropped),
        vec![
            "metric_samples_p20200105",
            "metric_samples_p20200106",
            "metric_samples_p20200107",
            "request_events_p20200105",
            "request_events_p20200106",
            "request_events_p20200107",
        ]
    );
    for table in ["request_events", "metric_samples"] {
        let days: Vec<NaiveDate> = partitions_of(&pool, table)
            .await
            .into_iter()
            .filter(|d| *d <= today)
            .collect();
        assert_eq!(days, (8..=15).map(|d| day(2020, 1, d)).collect::<Vec<_>>(), "{table}");
    }
    let kept_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events WHERE ts < '2020-02-01'")
        .fetch_one(&pool)
        .await
        .expect("rows");
    assert_eq!(kept_rows, 8);
    // Rollups have their own window: nothing of these is older than 90 days.
    for table in StoredKind::Rollups.tables() {
        assert_eq!(
            partitions_of(&pool, table)
                .await
                .into_iter()
                .filter(|d| *d <= today)
                .count(),
            11,
            "{table}"
        );
    }
    let dropped = partitions::drop_expired_partitions(&mut conn, StoredKind::Rollups, 90, today)
        .await
        .expect("rollup retention");
    assert!(dropped.is_empty());
    let dropped = partitions::drop_expired_partitions(&mut conn, StoredKind::Rollups, 3, today)
        .await
        .expect("rollup retention");
    assert_eq!(
        dropped.len(),
        StoredKind::Rollups.tables().len() * 7,
        "5 to 11 Jan of every rollup table"
    );
    // Running again finds nothing more to do.
    let dropped = partitions::drop_expired_partitions(&mut conn, StoredKind::RawEvents, 7, today)
        .await
        .expect("again");
    assert!(dropped.is_empty());
}

#[tokio::test]
async fn one_instance_leads_retention_and_prepares_partitions_ahead() {
    let (_database, pool) = fresh_pool().await;
    let other_instance = PgPool::connect_with(pool.connect_options().as_ref().clone())
        .await
        .expect("second pool");
    let mut leader = retention::try_lead(&pool)
        .await
        .expect("lock query")
        .expect("first instance leads");
    assert!(
        retention::try_lead(&other_instance)
            .await
            .expect("lock query")
            .is_none(),
        "second instance waits"
    );

    let today = day(2021, 6, 1);
    let settings = RetentionSettings {
        raw_days: 7,
        rollup_days: 90,
        log_days: 7,
        error_days: 30,
        span_days: 3,
    };
    retention::maintain(&mut leader, settings, today)
        .await
        .expect("maintenance");
    let days = partitions_of(&pool, "request_events").await;
    for d in [day(2021, 5, 31), today, day(2021, 6, 4)] {
        assert!(days.contains(&d), "{d} prepared");
    }
    assert!(!days.contains(&day(2021, 6, 5)));

    drop(leader);
    // The lock goes with the leader's session; the other instance takes over.
    let mut took_over = None;
    for _ in 0..50 {
        took_over = retention::try_lead(&other_instance).await.expect("lock query");
        if took_over.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(took_over.is_some(), "another instance leads once the first is gone");
}

#[tokio::test]
async fn idempotency_keys_are_forgotten_with_the_raw_data_they_guarded() {
    let (_database, pool) = fresh_pool().await;
    let key_id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes) \
         VALUES ('retention test', 'Ab12Cd34', decode(repeat('00', 32), 'hex'), ARRAY['ingest']) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("key");
    // Raw data is kept 7 days: on 2021-06-10 keys from before 2021-06-03 go.
    for (idempotency_key, created_at) in [
        ("old", "2021-06-02T23:59:00Z"),
        ("kept-1", "2021-06-03T00:00:00Z"),
        ("kept-2", "2021-06-09T12:00:00Z"),
    ] {
        sqlx::query(
            "INSERT INTO ingest_batches (api_key_id, idempotency_key, records, created_at) VALUES ($1, $2, 1, $3::timestamptz)",
        )
        .bind(key_id)
        .bind(idempotency_key)
        .bind(created_at)
        .execute(&pool)
        .await
        .expect("batch row");
    }
    let mut leader = retention::try_lead(&pool).await.expect("lock query").expect("leads");
    let settings = RetentionSettings {
        raw_days: 7,
        rollup_days: 90,
        log_days: 7,
        error_days: 30,
        span_days: 3,
    };
    retention::maintain(&mut leader, settings, day(2021, 6, 10))
        .await
        .expect("maintenance");
    let left: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM ingest_batches ORDER BY 1")
        .fetch_all(&pool)
        .await
        .expect("rows");
    assert_eq!(left, ["kept-1", "kept-2"]);
}

#[tokio::test]
async fn raw_events_read_back_exactly_as_sent_through_binary_copy() {
    let (_database, pool) = fresh_pool().await;
    let minute = this_minute();
    let sent = vec![
        RequestEvent {
            method: "POST".into(),
            ..event(
                "api",
                "/users/{id}/ünïcode ✓",
                503,
                12.345678,
                minute + Duration::microseconds(123_456),
            )
        },
        event("web", "/", 200, 0.0005, minute + Duration::seconds(59)),
        event("web", &"x".repeat(200), 404, 98_765.432_1, minute - Duration::days(1)),
    ];
    store(&pool, &requests(sent.clone())).await;
    let rows: Vec<(DateTime<Utc>, String, String, String, i16, f64)> =
        sqlx::query_as("SELECT ts, service, endpoint, method, status, duration_ms FROM request_events ORDER BY ts")
            .fetch_all(&pool)
            .await
            .expect("raw rows");
    let mut expected: Vec<_> = sent
        .into_iter()
        .map(|e| (e.ts, e.service, e.endpoint, e.method, e.status, e.duration_ms))
        .collect();
    expected.sort_by_key(|row| row.0);
    assert_eq!(rows, expected);
}
