//! Benchmark 7: the live tail. 100 tails hold `GET /api/v1/logs/tail?q=…`
//! open (10 users with the logs permission, signed in over HTTP, 10 tails
//! each, read off the socket like `live_fanout`'s streams). Probe lines —
//! one NDJSON line each, `POST /api/v1/logs`, one every 100 ms — carry their
//! number in the body; every tail's query matches them, so every tail
//! should receive every probe. Latency per line received: from the
//! ingest's `202` (sent after the commit, so just after it) and from
//! sending the ingest request (an upper bound that includes storing it).
//! Measured twice: with only the probes, and while 4 other senders ingest
//! 10,000 lines/s that no tail's query matches (each is still matched by
//! every tail on the server).
//! `cargo bench -p server --bench logs_tail`

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use chrono::Utc;
use common::{BenchApp, Rng, lines, machine_load, percentile, print_table, sse};
use futures::StreamExt;

const USERS: usize = 10;
const TAILS_PER_USER: usize = 10;
const PROBES: usize = 100;
const PROBE_EVERY: Duration = Duration::from_millis(100);
const SERVICE: &str = "tail-probe";
/// Background load: batches of this many lines, this many per second, spread over 4 senders.
const LOAD_BATCH: usize = 1000;
const LOAD_BATCHES_PER_SEC: u64 = 10;
const LIMIT_MS: f64 = 100.0;

type Arrivals = Arc<Mutex<Vec<(usize, Instant)>>>;

/// The probe number a tail's frame carries (`"body":"probe <n>"`).
fn probe_of(frame: &[u8]) -> Option<usize> {
    let frame = std::str::from_utf8(frame).ok()?;
    if !frame.starts_with("event: line\n") {
        return None;
    }
    let (_, after) = frame.split_once(r#""body":"probe "#)?;
    let (n, _) = after.split_once('"')?;
    n.parse().ok()
}

fn ndjson_line(service: &str, host: &str, level: i16, message: &str) -> String {
    serde_json::json!({ "ts": Utc::now().to_rfc3339(), "service": service, "host": host,
                        "level": level, "message": message })
    .to_string()
}

/// Sends `LOAD_BATCHES_PER_SEC` batches of other services' lines per second until `stop`.
fn background_load(app: &BenchApp, key: &str, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let url = format!("{}/api/v1/logs", app.address);
    let key = key.to_string();
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut rng = Rng::new(7);
        let bodies: Vec<String> = (0..40)
            .map(|b| {
                (0..LOAD_BATCH)
                    .map(|_| ndjson_line(&format!("load-{}", b % 4), "web-1", 9, &lines::body(&mut rng)))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        let mut tick = tokio::time::interval(Duration::from_millis(1000 / LOAD_BATCHES_PER_SEC));
        let mut sent = 0;
        let mut in_flight = futures::stream::FuturesUnordered::new();
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            while in_flight.len() >= 4 {
                in_flight.next().await;
            }
            let request = client
                .post(&url)
                .bearer_auth(&key)
                .header("Content-Type", "application/x-ndjson")
                .body(bodies[sent % bodies.len()].clone());
            in_flight.push(async move { request.send().await.map(|r| r.status().as_u16()) });
            sent += 1;
        }
        while in_flight.next().await.is_some() {}
        sent * LOAD_BATCH
    })
}

/// Sends the probes `first..first + PROBES` and measures their delivery to `tails` tails.
async fn measure(app: &BenchApp, key: &str, arrivals: &Arrivals, first: usize, tails: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/logs", app.address);
    arrivals.lock().expect("arrivals").clear();
    let mut sent_at = Vec::new();
    let mut tick = tokio::time::interval(PROBE_EVERY);
    for n in first..first + PROBES {
        tick.tick().await;
        let body = ndjson_line(SERVICE, "probe-host", 9, &format!("probe {n}"));
        let sent = Instant::now();
        let response = client
            .post(&url)
            .bearer_auth(key)
            .header("Content-Type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .expect("probe sent");
        assert_eq!(response.status().as_u16(), 202, "probe accepted");
        sent_at.push((sent, Instant::now()));
    }
    let expected = tails * PROBES;
    let deadline = Instant::now() + Duration::from_secs(5);
    while arrivals.lock().expect("arrivals").len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = std::mem::take(&mut *arrivals.lock().expect("arrivals"));
    let (mut from_ack, mut from_send) = (Vec::new(), Vec::new());
    for (n, at) in &got {
        if let Some((sent, acked)) = n.checked_sub(first).and_then(|i| sent_at.get(i)) {
            from_ack.push(at.saturating_duration_since(*acked).as_secs_f64() * 1000.0);
            from_send.push(at.duration_since(*sent).as_secs_f64() * 1000.0);
        }
    }
    from_ack.sort_by(f64::total_cmp);
    from_send.sort_by(f64::total_cmp);
    let mut round_trips: Vec<f64> = sent_at
        .iter()
        .map(|(s, a)| a.duration_since(*s).as_secs_f64() * 1000.0)
        .collect();
    round_trips.sort_by(f64::total_cmp);
    let p99 = percentile(&from_ack, 0.99);
    vec![
        format!("{}/{expected}", from_ack.len()),
        format!("{:.1}", percentile(&from_ack, 0.5)),
        format!("{:.1}", percentile(&from_ack, 0.95)),
        format!("{p99:.1}"),
        format!("{:.1}", from_ack.last().copied().unwrap_or(0.0)),
        format!("{:.1}", percentile(&from_send, 0.99)),
        format!("{:.1}", percentile(&round_trips, 0.5)),
        if from_ack.len() == expected && p99 <= LIMIT_MS {
            "yes"
        } else {
            "no"
        }
        .to_string(),
    ]
}

#[tokio::main]
async fn main() {
    // Opsdeck's own log lines would reach the tails too; the rate limit would cap the background load.
    let app = common::start(&[("OPSDECK_OWN_LOGS", "off"), ("OPSDECK_INGEST_RATE_PER_MIN", "1000000")]).await;
    let key = app.logs_key().await;
    let address: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("the app listens on an IP address");
    let arrivals: Arrivals = Arc::default();
    let ended = Arc::new(AtomicUsize::new(0));
    let mut opened = 0;
    for _ in 0..USERS {
        let cookie = app.session_cookie(Role::Support).await;
        let request = sse::request(address, &format!("/api/v1/logs/tail?q=service%3A{SERVICE}"), &cookie);
        for _ in 0..TAILS_PER_USER {
            let arrivals = arrivals.clone();
            let record = move |frame: &[u8], at: Instant| {
                if let Some(n) = probe_of(frame) {
                    arrivals.lock().expect("arrivals").push((n, at));
                }
            };
            opened += usize::from(sse::follow(address, request.clone(), record, ended.clone()).await);
        }
    }
    assert_eq!(opened, USERS * TAILS_PER_USER, "every tail opened");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "live tail benchmark: {opened} tails, {PROBES} probes one every {} ms",
        PROBE_EVERY.as_millis()
    );

    println!("load before (probes only): {}", machine_load());
    let quiet = measure(&app, &key, &arrivals, 0, opened).await;
    println!("load before (with background ingest): {}", machine_load());
    let stop = Arc::new(AtomicBool::new(false));
    let load = background_load(&app, &key, stop.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let loaded = measure(&app, &key, &arrivals, PROBES, opened).await;
    stop.store(true, Ordering::Relaxed);
    let background = load.await.expect("background load");
    println!(
        "background ingest: {background} lines in {:.1} s (incl. 2 s before the probes); load after: {}; tails ended: {}",
        started.elapsed().as_secs_f64() + 2.0,
        machine_load(),
        ended.load(Ordering::Relaxed)
    );
    let mut rows = vec![quiet, loaded];
    rows[0].insert(0, "probes only".into());
    rows[1].insert(
        0,
        format!(
            "+ {} lines/s of other services",
            LOAD_BATCH as u64 * LOAD_BATCHES_PER_SEC
        ),
    );
    print_table(
        &[
            "ingest meanwhile",
            "lines got/expected",
            "p50 from 202",
            "p95 from 202",
            "p99 from 202",
            "max from 202",
            "p99 from send",
            "probe round trip p50",
            "p99 ≤ 100 ms",
        ],
        &rows,
    );
    println!("(all times in ms)");
    app.finish().await;
}
