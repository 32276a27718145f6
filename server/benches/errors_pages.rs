//! Benchmark 9: the Errors page (`/errors`) and an Issue page
//! (`/errors/issues/<id>`) with 1,000,000 stored events of 10,000 issues
//! (`errors_pages/load.rs`), under 20 concurrent signed-in viewers of role
//! support (viewers may not read errors): pages/s and latency percentiles
//! of the full server-rendered HTML, with the default pool of 10 database
//! connections. Failed pages are counted apart (with their reason) and left
//! out of the latencies.
//!
//! Each viewer has its own session and connection and asks for the next
//! page as soon as the last has arrived (the most the server gives 20
//! viewers), then, separately, one page per second each on a fixed
//! schedule (latency counted from the scheduled time). Every Issue request
//! is for a random one of the 10,000 issues. Before that, one page alone
//! and the page's database read alone (the app's own function), median of
//! 5. `cargo bench -p server --bench errors_pages` (`BENCH_EVENTS=N` for a
//! smaller load).

mod common;

#[path = "errors_pages/load.rs"]
mod load;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use app::errors::issues::IssueFilter;
use app::errors::ssr::{detail, list};
use chrono::Utc;
use common::{BenchApp, Rng, machine_load, median, percentile, print_table};
use futures::StreamExt;

const CLIENTS: usize = 20;
const ISSUES: i64 = 10_000;
const MEASURE: Duration = Duration::from_secs(20);

type Marks = &'static [&'static str];

/// The pages measured: label, path (`{id}`: a random issue), what a complete
/// page holds (besides the end of the document): the heading and an issue's
/// link; the issue's title and its "grouped by".
const PAGES: [(&str, &str, Marks); 3] = [
    (
        "Errors, last 24 h (default)",
        "/errors",
        &["<h1>Errors</h1>", "href=\"/errors/issues/"],
    ),
    (
        "Errors, last 30 days (all events)",
        "/errors?range=30d",
        &["<h1>Errors</h1>", "href=\"/errors/issues/"],
    ),
    (
        "Issue (random of 10,000)",
        "/errors/issues/{id}",
        &["class=\"issue-title\"", "Grouped by"],
    ),
];

struct Outcome {
    latencies_ms: Vec<f64>,
    failures: BTreeMap<String, usize>,
    bytes: usize,
}

impl Outcome {
    async fn fetch(&mut self, client: &reqwest::Client, url: &str, marks: Marks, since: Instant) {
        let page = match client.get(url).send().await {
            Ok(response) if response.status().as_u16() == 200 => response.text().await.map_err(|e| e.to_string()),
            Ok(response) => Err(format!("HTTP {}", response.status().as_u16())),
            Err(error) => Err(error.to_string()),
        };
        let elapsed = since.elapsed().as_secs_f64() * 1000.0;
        match page {
            Ok(html) if html.contains("Could not load") => {
                *self.failures.entry("page shows an error".into()).or_default() += 1
            }
            Ok(html) if marks.iter().all(|mark| html.contains(mark)) && html.contains("</html>") => {
                self.bytes += html.len();
                self.latencies_ms.push(elapsed);
            }
            Ok(_) => *self.failures.entry("incomplete page".into()).or_default() += 1,
            Err(reason) => *self.failures.entry(reason).or_default() += 1,
        }
    }
}

fn url(app: &BenchApp, path: &str, rng: &mut Rng) -> String {
    let id = 1 + rng.below(ISSUES as u64);
    format!("{}{}", app.address, path.replace("{id}", &id.to_string()))
}

/// One viewer: requests the page until `until`, as fast as it can or once per `every`.
async fn viewer(
    client: reqwest::Client,
    app_url: String,
    page: (&'static str, Marks),
    index: usize,
    every: Option<Duration>,
    until: Instant,
) -> Outcome {
    let mut outcome = Outcome {
        latencies_ms: Vec::new(),
        failures: BTreeMap::new(),
        bytes: 0,
    };
    let mut rng = Rng::new(900 + index as u64);
    let (path, marks) = page;
    let target = |rng: &mut Rng| {
        let id = 1 + rng.below(ISSUES as u64);
        format!("{app_url}{}", path.replace("{id}", &id.to_string()))
    };
    match every {
        None => {
            while Instant::now() < until {
                let url = target(&mut rng);
                outcome.fetch(&client, &url, marks, Instant::now()).await;
            }
        }
        Some(every) => {
            // Viewers start spread evenly over the first interval.
            let mut next = Instant::now() + every.mul_f64(index as f64 / CLIENTS as f64);
            while next < until {
                tokio::time::sleep_until(next.into()).await;
                let url = target(&mut rng);
                outcome.fetch(&client, &url, marks, next).await;
                next += every;
            }
        }
    }
    outcome
}

async fn measure(
    clients: &[reqwest::Client],
    app: &BenchApp,
    page: (&'static str, Marks),
    every: Option<Duration>,
    duration: Duration,
) -> (Vec<String>, BTreeMap<String, usize>) {
    let until = Instant::now() + duration;
    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures::future::join_all(
        clients
            .iter()
            .enumerate()
            .map(|(i, client)| tokio::spawn(viewer(client.clone(), app.address.clone(), page, i, every, until))),
    )
    .await
    .into_iter()
    .map(|joined| joined.expect("viewer task"))
    .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = outcomes.iter().flat_map(|o| o.latencies_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (reason, n) in outcomes.iter().flat_map(|o| o.failures.iter()) {
        *reasons.entry(reason.clone()).or_default() += n;
    }
    let bytes: usize = outcomes.iter().map(|o| o.bytes).sum();
    let p99 = percentile(&latencies, 0.99);
    let row = vec![
        latencies.len().to_string(),
        reasons.values().sum::<usize>().to_string(),
        format!("{:.1}", latencies.len() as f64 / elapsed),
        format!("{:.1}", percentile(&latencies, 0.5)),
        format!("{:.1}", percentile(&latencies, 0.95)),
        format!("{p99:.1}"),
        format!("{:.1}", latencies.last().copied().unwrap_or(0.0)),
        format!("{:.0}", bytes as f64 / latencies.len().max(1) as f64 / 1000.0),
        if p99 <= 50.0 && reasons.is_empty() { "yes" } else { "no" }.to_string(),
    ];
    (row, reasons)
}

/// The page alone and its database read alone (the app's own function), median of 5, ms.
async fn alone(client: &reqwest::Client, app: &BenchApp, page: usize) -> (String, String) {
    let mut rng = Rng::new(77);
    let (mut pages, mut reads) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let target = url(app, PAGES[page].1, &mut rng);
        let started = Instant::now();
        client
            .get(&target)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        pages.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        match page {
            0 | 1 => {
                let filter = IssueFilter {
                    range: (page == 1).then(|| "30d".to_string()),
                    ..IssueFilter::default()
                };
                let query = filter.parse(Utc::now()).expect("a valid filter");
                drop(list::issues(&app.state, &query).await.expect("issues"));
            }
            _ => {
                let id = 1 + i64::try_from(rng.below(ISSUES as u64)).unwrap_or(0);
                drop(detail::issue(&app.state, id).await.expect("issue"));
            }
        }
        reads.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (format!("{:.1}", median(&pages)), format!("{:.1}", median(&reads)))
}

#[tokio::main]
async fn main() {
    let events: i64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let app = common::start(&[]).await;
    let pool = app.pool(2).await;
    println!("load before loading: {}", machine_load());
    let took = load::load(&pool, events, ISSUES).await;
    let (stored, minutes, users, bytes): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM error_events), (SELECT count(*) FROM error_issue_minutes), \
                (SELECT count(*) FROM error_issue_users), \
                (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits \
                 WHERE inhparent = 'error_events'::regclass)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    let last_day: i64 = sqlx::query_scalar("SELECT count(*) FROM error_events WHERE ts >= now() - interval '24 hours'")
        .fetch_one(&pool)
        .await
        .expect("last day");
    pool.close().await;
    println!(
        "loaded {stored} events ({last_day} in the last 24 h) of {ISSUES} issues in {:.0} s: \
         {minutes} per-minute rows, {users} issue users, {} MB of events on disk",
        took.as_secs_f64(),
        bytes / 1_000_000
    );
    let clients: Vec<reqwest::Client> = futures::stream::iter(0..CLIENTS)
        .map(|_| app.signed_in(Role::Support))
        .buffer_unordered(4)
        .collect()
        .await;
    let mut alone_rows = Vec::new();
    let mut rows = Vec::new();
    for (n, (label, path, marks)) in PAGES.into_iter().enumerate() {
        let (page, read) = alone(&clients[0], &app, n).await;
        alone_rows.push(vec![label.to_string(), page, read]);
        for (pace, every) in [
            ("as fast as possible", None),
            ("1 page/s each", Some(Duration::from_secs(1))),
        ] {
            // Warm-up: connections, caches, prepared statements.
            measure(&clients, &app, (path, marks), every, Duration::from_secs(3)).await;
            let load = machine_load();
            let (measured, reasons) = measure(&clients, &app, (path, marks), every, MEASURE).await;
            println!("{label}, {pace}: load before: {load}");
            for (reason, n) in &reasons {
                println!("  failed {n}×: {reason}");
            }
            let mut row = vec![label.to_string(), pace.to_string()];
            row.extend(measured);
            rows.push(row);
        }
    }
    println!("load after: {}", machine_load());
    app.finish().await;
    println!("one page alone, and its database read alone (median of 5, ms):");
    print_table(&["page", "page", "read"], &alone_rows);
    println!(
        "{CLIENTS} signed-in support viewers for {} s each (default pool):",
        MEASURE.as_secs()
    );
    print_table(
        &[
            "page",
            "viewers send",
            "pages",
            "failed",
            "pages/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "kB/page",
            "p99 ≤ 50 ms",
        ],
        &rows,
    );
}
