//! Benchmark 4: the Performance page (`/performance?service=…`, signed in)
//! under 100 concurrent clients: requests per second and latency
//! percentiles, for the default range (1 h) and for 24 h, with the default
//! pool of 10 database connections. Failed pages are counted apart (with
//! their reason) and left out of the latencies.
//!
//! Each client is its own signed-in viewer with its own connection. Two
//! ways to send: as fast as the answers come (each client's next request as
//! soon as its page has arrived: the most pages/s the server gives), and one
//! page per second per client on a fixed schedule (100 pages/s offered; the
//! latency counts from the scheduled time).
//! The data: 24 h of traffic for 5 services × 20 endpoints, 5 requests per
//! endpoint and minute (720,000 events, 144,000 rollup rows), stored
//! through `store_batch`. `cargo bench -p server --bench performance_page`

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use app::metrics::EndpointOrder;
use app::metrics::IngestBatch;
use app::metrics::ssr::compact::compact_deltas;
use app::metrics::ssr::queries::{endpoint_table, known_services, latency_series};
use app::metrics::ssr::rollup::Tier;
use app::metrics::ssr::store::store_batch;
use chrono::{DurationRound, TimeDelta, Utc};
use common::{BenchApp, Rng, machine_load, median, percentile, print_table, request_event};
use futures::StreamExt;

const CLIENTS: usize = 100;
const SERVICES: usize = 5;
const ENDPOINTS: u64 = 20;
const PER_ENDPOINT_MINUTE: u64 = 5;
/// What the page shows when its data could not be read.
const ERROR_TEXT: &str = "Could not load performance data";
const MEASURE: Duration = Duration::from_secs(20);

async fn seed(app: &BenchApp) {
    let now = Utc::now();
    let start = now.duration_trunc(TimeDelta::minutes(1)).expect("a minute") - TimeDelta::hours(24);
    let pool = app.pool(2).await;
    let mut rng = Rng::new(4);
    let mut batches = Vec::new();
    // An hour per batch, up to now.
    for hour in 0..=24 {
        let mut batch = IngestBatch::default();
        for minute in 0..60 {
            let at = start + TimeDelta::minutes(hour * 60 + minute);
            if at >= now {
                break;
            }
            for service in 0..SERVICES {
                for _ in 0..ENDPOINTS * PER_ENDPOINT_MINUTE {
                    let ts = at + TimeDelta::milliseconds(i64::try_from(rng.below(60_000)).unwrap_or(0));
                    batch
                        .requests
                        .push(request_event(&mut rng, &format!("svc-{service}"), ENDPOINTS, ts));
                }
            }
        }
        batches.push(batch);
    }
    futures::stream::iter(batches)
        .map(|batch| {
            let pool = pool.clone();
            async move {
                let mut tx = pool.begin().await.expect("begin");
                store_batch(&mut tx, &batch).await.expect("stored");
                tx.commit().await.expect("commit");
            }
        })
        .buffer_unordered(2)
        .collect::<Vec<()>>()
        .await;
    let mut conn = pool.acquire().await.expect("connection");
    compact_deltas(&mut conn, start - TimeDelta::hours(1), now + TimeDelta::hours(1))
        .await
        .expect("compacted");
    for tier in Tier::ALL {
        sqlx::query(&format!("VACUUM (ANALYZE) {}", tier.table()))
            .execute(&mut *conn)
            .await
            .expect("vacuum");
    }
    drop(conn);
    pool.close().await;
}

struct Outcome {
    latencies_ms: Vec<f64>,
    /// Why requests failed ("500", "timeout", "incomplete page"…) and how often.
    failures: BTreeMap<String, usize>,
    bytes: usize,
}

impl Outcome {
    fn new() -> Outcome {
        Outcome {
            latencies_ms: Vec::new(),
            failures: BTreeMap::new(),
            bytes: 0,
        }
    }

    /// Fetches the page once; counts it with its latency from `since`.
    async fn fetch(&mut self, client: &reqwest::Client, url: &str, since: Instant) {
        let page = match client.get(url).send().await {
            Ok(response) if response.status().as_u16() == 200 => response.text().await.map_err(|e| e.to_string()),
            Ok(response) => Err(format!("HTTP {}", response.status().as_u16())),
            Err(error) => Err(error.to_string()),
        };
        let elapsed = since.elapsed().as_secs_f64() * 1000.0;
        match page {
            // A complete page: its heading and the end of the document.
            Ok(html)
                if html.contains("<h1>Performance</h1>") && html.contains("</html>") && !html.contains(ERROR_TEXT) =>
            {
                self.bytes += html.len();
                self.latencies_ms.push(elapsed);
            }
            Ok(html) if html.contains(ERROR_TEXT) => {
                *self.failures.entry("page shows an error".into()).or_default() += 1
            }
            Ok(_) => *self.failures.entry("incomplete page".into()).or_default() += 1,
            Err(reason) => *self.failures.entry(reason).or_default() += 1,
        }
    }
}

/// How a client sends its requests.
#[derive(Clone, Copy)]
enum Pace {
    /// The next request as soon as the page before has arrived: the most
    /// pages the server gives 100 clients.
    AsFastAsPossible,
    /// One request per interval, on a fixed schedule whatever the answers
    /// take; latency counts from the scheduled time, so a late answer also
    /// delays (and is charged to) the requests queued behind it.
    Every(Duration),
}

/// One client (client `index` of `CLIENTS`): requests the page until `until`.
async fn client_loop(client: reqwest::Client, url: String, index: usize, pace: Pace, until: Instant) -> Outcome {
    let mut outcome = Outcome::new();
    match pace {
        Pace::AsFastAsPossible => {
            while Instant::now() < until {
                outcome.fetch(&client, &url, Instant::now()).await;
            }
        }
        Pace::Every(every) => {
            // Clients start spread evenly over the first interval.
            let mut next = Instant::now() + every.mul_f64(index as f64 / CLIENTS as f64);
            while next < until {
                tokio::time::sleep_until(next.into()).await;
                outcome.fetch(&client, &url, next).await;
                next += every;
            }
        }
    }
    outcome
}

/// One measurement: the table row and why pages failed.
async fn measure(
    clients: &[reqwest::Client],
    app: &BenchApp,
    query: &str,
    pace: Pace,
    duration: Duration,
) -> (Vec<String>, BTreeMap<String, usize>) {
    let until = Instant::now() + duration;
    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures::future::join_all(clients.iter().enumerate().map(|(i, client)| {
        let url = format!("{}/performance?service=svc-{}{query}", app.address, i % SERVICES);
        tokio::spawn(client_loop(client.clone(), url, i, pace, until))
    }))
    .await
    .into_iter()
    .map(|joined| joined.expect("client task"))
    .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = outcomes.iter().flat_map(|o| o.latencies_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (reason, n) in outcomes.iter().flat_map(|o| o.failures.iter()) {
        *reasons.entry(reason.clone()).or_default() += n;
    }
    let bytes: usize = outcomes.iter().map(|o| o.bytes).sum();
    let row = vec![
        latencies.len().to_string(),
        reasons.values().sum::<usize>().to_string(),
        format!("{:.1}", latencies.len() as f64 / elapsed),
        format!("{:.0}", percentile(&latencies, 0.5)),
        format!("{:.0}", percentile(&latencies, 0.95)),
        format!("{:.0}", percentile(&latencies, 0.99)),
        format!("{:.0}", latencies.last().copied().unwrap_or(0.0)),
        format!("{:.0}", bytes as f64 / latencies.len().max(1) as f64 / 1000.0),
    ];
    (row, reasons)
}

/// One page's queries, each timed alone (median of 5), with no other load
/// from this benchmark: where a page's database time goes.
async fn queries_alone(app: &BenchApp, range: TimeDelta, step: TimeDelta) -> Vec<String> {
    let pool = app.pool(1).await;
    let mut conn = pool.acquire().await.expect("connection");
    let to = Utc::now();
    let from = to - range;
    let mut cells = Vec::new();
    for query in 0..4 {
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            match query {
                0 => drop(
                    known_services(&mut conn, to - TimeDelta::days(90))
                        .await
                        .expect("services"),
                ),
                1 => drop(
                    latency_series(&mut conn, "svc-0", None, from, to, step)
                        .await
                        .expect("series"),
                ),
                2 => drop(
                    latency_series(&mut conn, "svc-0", None, from, to, range + TimeDelta::minutes(1))
                        .await
                        .expect("overall"),
                ),
                _ => drop(
                    endpoint_table(&mut conn, "svc-0", from, to, EndpointOrder::SlowestP95)
                        .await
                        .expect("endpoints"),
                ),
            }
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        cells.push(format!("{:.1}", median(&times)));
    }
    drop(conn);
    pool.close().await;
    cells
}

/// One page, fetched alone (median of 5).
async fn page_alone(client: &reqwest::Client, app: &BenchApp, query: &str) -> String {
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let response = client
            .get(format!("{}/performance?service=svc-0{query}", app.address))
            .send()
            .await
            .expect("page");
        response.text().await.expect("body");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    format!("{:.1}", median(&times))
}

const RANGES: [(&str, &str, i64, i64); 2] = [("1 h (default)", "", 60, 1), ("24 h", "&range=24h", 1440, 5)];
const PACES: [(&str, Pace); 2] = [
    ("as fast as possible", Pace::AsFastAsPossible),
    ("1 page/s each", Pace::Every(Duration::from_secs(1))),
];

#[tokio::main]
async fn main() {
    let mut rows = Vec::new();
    let mut alone = Vec::new();
    let app = common::start(&[]).await;
    let seeding = Instant::now();
    seed(&app).await;
    println!(
        "seeded 24 h for {SERVICES} services in {:.0} s",
        seeding.elapsed().as_secs_f64()
    );
    let clients: Vec<reqwest::Client> = futures::stream::iter(0..CLIENTS)
        .map(|_| app.signed_in(Role::Viewer))
        .buffer_unordered(4)
        .collect()
        .await;
    for (label, query, minutes, step) in RANGES {
        let mut row = vec![label.to_string(), page_alone(&clients[0], &app, query).await];
        row.extend(queries_alone(&app, TimeDelta::minutes(minutes), TimeDelta::minutes(step)).await);
        alone.push(row);
        for (pace_label, pace) in PACES {
            // Warm-up: connections, caches, prepared statements.
            measure(&clients, &app, query, pace, Duration::from_secs(3)).await;
            let load = machine_load();
            let (measured, reasons) = measure(&clients, &app, query, pace, MEASURE).await;
            println!("{label}, {pace_label}: load before: {load}");
            for (reason, n) in &reasons {
                println!("  failed {n}×: {reason}");
            }
            let mut row = vec![label.to_string(), pace_label.to_string()];
            row.extend(measured);
            rows.push(row);
        }
    }
    app.finish().await;
    println!("load after: {}", machine_load());
    println!("one page alone, and its four queries alone (svc-0; median of 5, ms):");
    print_table(
        &[
            "range",
            "page",
            "known_services (90 d)",
            "series",
            "overall",
            "endpoints",
        ],
        &alone,
    );
    println!(
        "{CLIENTS} signed-in clients for {} s each (default pool):",
        MEASURE.as_secs()
    );
    print_table(
        &[
            "range",
            "clients send",
            "pages",
            "failed",
            "pages/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "kB/page",
        ],
        &rows,
    );
}
