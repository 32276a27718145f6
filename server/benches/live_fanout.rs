//! Benchmark 3: SSE fan-out. The largest number N of concurrent
//! `GET /api/v1/live?service=…` subscribers for which the p99 delivery
//! latency, from the ingest that stores a record to the event reaching a
//! client, stays within 50 ms.
//!
//! N grows step by step (streams stay open between steps). At each step a
//! probe — one request event, each in its own minute, so the point it causes
//! names its probe — is ingested once a second (one update per second to
//! every stream); every subscriber should get one event per probe. The commit happens inside the server, so it is
//! bracketed from the client: latency from receiving the ingest's `202`
//! (sent right after the commit; the figure judged against 50 ms) and from
//! *sending* the ingest request (an upper bound that includes the ingest's
//! own parsing, storing and commit).
//! `cargo bench -p server --bench live_fanout`

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use common::{BenchApp, machine_load, percentile, print_table, sse};
use futures::StreamExt;

const SERVICE: &str = "fanout";
/// N = 1 first: the pipeline's own latency, before any fan-out.
const STEPS: [usize; 11] = [1, 100, 500, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000];
/// Probes per measurement; from N = 100 on, p99 is over thousands of events.
const PROBES: usize = 20;
/// One update per second to every stream, as a live chart gets them.
const PROBE_EVERY: Duration = Duration::from_secs(1);
const LIMIT_MS: f64 = 50.0;
/// Streams are spread over this many signed-in sessions (signing in hashes a password).
const SESSIONS: usize = 10;

/// Where each probe's events arrived: (probe, when).
type Arrivals = Arc<Mutex<Vec<(usize, Instant)>>>;

/// The probe a `point` event is about: probe `i` is stored at minute
/// `base - (i + 1)`. Reads only what it needs (the event name and the
/// point's `"t"`), so the clients, which share the server's two cores, cost
/// as little as they can.
fn probe_of(frame: &[u8], base: DateTime<Utc>) -> Option<usize> {
    let frame = std::str::from_utf8(frame).ok()?;
    if !frame.starts_with("event: point\n") {
        return None;
    }
    let (_, after) = frame.split_once(r#""t":""#)?;
    let (t, _) = after.split_once('"')?;
    let t = DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc);
    usize::try_from((base - t).num_minutes() - 1).ok()
}

/// Opens one stream and records every probe event on it until it ends.
async fn follow(
    address: SocketAddr,
    request: Arc<[u8]>,
    base: DateTime<Utc>,
    arrivals: Arrivals,
    ended: Arc<AtomicUsize>,
) -> bool {
    let record = move |frame: &[u8], at: Instant| {
        if let Some(probe) = probe_of(frame, base) {
            arrivals.lock().expect("arrivals").push((probe, at));
        }
    };
    sse::follow(address, request, record, ended).await
}

struct Probe {
    sent: Instant,
    acked: Instant,
}

/// Ingests probe `index`; returns when it was sent and acknowledged.
async fn probe(app: &BenchApp, client: &reqwest::Client, key: &str, base: DateTime<Utc>, index: usize) -> Probe {
    let minute = base - TimeDelta::minutes(i64::try_from(index).unwrap_or(0) + 1);
    let body = serde_json::json!({ "requests": [{
        "service": SERVICE, "endpoint": "/probe", "method": "GET", "status": 200, "duration_ms": 12.5,
        "ts": (minute + TimeDelta::seconds(30)).to_rfc3339(),
    }] });
    let sent = Instant::now();
    let response = client
        .post(format!("{}/api/v1/ingest", app.address))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("ingest sent");
    let acked = Instant::now();
    assert_eq!(response.status().as_u16(), 202, "probe accepted");
    Probe { sent, acked }
}

/// What one measurement at N subscribers found.
struct Step {
    row: Vec<String>,
    /// p99 from the `202` (≈ the commit) within the limit, every event delivered.
    within: bool,
    /// p99 from sending the ingest request within the limit, every event delivered.
    within_from_send: bool,
}

/// Sends `PROBES` probes starting at `first` and measures their delivery to the `open` streams.
async fn measure(app: &BenchApp, run: &Run, first: usize, open: usize) -> Step {
    run.arrivals.lock().expect("arrivals").clear();
    let mut probes = Vec::new();
    let mut tick = tokio::time::interval(PROBE_EVERY);
    for index in first..first + PROBES {
        tick.tick().await;
        probes.push(probe(app, &run.ingest_client, &run.key, run.base, index).await);
    }
    let expected = (open - run.ended.load(Ordering::Relaxed)) * PROBES;
    let deadline = Instant::now() + Duration::from_secs(5);
    while run.arrivals.lock().expect("arrivals").len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got: Vec<(usize, Instant)> = std::mem::take(&mut *run.arrivals.lock().expect("arrivals"));
    let mut from_send = Vec::with_capacity(got.len());
    let mut from_ack = Vec::with_capacity(got.len());
    for (index, at) in &got {
        if let Some(p) = index.checked_sub(first).and_then(|i| probes.get(i)) {
            from_send.push(at.duration_since(p.sent).as_secs_f64() * 1000.0);
            from_ack.push(at.saturating_duration_since(p.acked).as_secs_f64() * 1000.0);
        }
    }
    from_send.sort_by(f64::total_cmp);
    from_ack.sort_by(f64::total_cmp);
    let mut round_trips: Vec<f64> = probes
        .iter()
        .map(|p| p.acked.duration_since(p.sent).as_secs_f64() * 1000.0)
        .collect();
    round_trips.sort_by(f64::total_cmp);
    let p99 = percentile(&from_send, 0.99);
    let p99_from_ack = percentile(&from_ack, 0.99);
    // Every subscriber got every probe (none fell behind and was dropped).
    let complete = from_send.len() == open * PROBES;
    let within = complete && p99_from_ack <= LIMIT_MS;
    let within_from_send = complete && p99 <= LIMIT_MS;
    println!(
        "N={open}: p99 {p99_from_ack:.1} ms from 202, {p99:.1} ms from send, {} of {} events, {} streams ended ({})",
        from_send.len(),
        open * PROBES,
        run.ended.load(Ordering::Relaxed),
        machine_load()
    );
    Step {
        row: vec![
            open.to_string(),
            format!("{}/{}", from_send.len(), open * PROBES),
            format!("{:.1}", percentile(&from_ack, 0.5)),
            format!("{p99_from_ack:.1}"),
            format!("{:.1}", from_ack.last().copied().unwrap_or(0.0)),
            format!("{:.1}", percentile(&from_send, 0.5)),
            format!("{p99:.1}"),
            format!("{:.1}", percentile(&round_trips, 0.5)),
            format!("{:.1}", percentile(&round_trips, 0.99)),
            if within { "yes" } else { "no" }.to_string(),
        ],
        within,
        within_from_send,
    }
}

/// What every measurement shares.
struct Run {
    key: String,
    ingest_client: reqwest::Client,
    base: DateTime<Utc>,
    arrivals: Arrivals,
    ended: Arc<AtomicUsize>,
}

#[tokio::main]
async fn main() {
    let app = common::start(&[]).await;
    let run = Run {
        key: app.ingest_key().await,
        ingest_client: reqwest::Client::new(),
        base: Utc::now().duration_trunc(TimeDelta::minutes(1)).expect("a minute"),
        arrivals: Arc::default(),
        ended: Arc::new(AtomicUsize::new(0)),
    };
    let address: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("the app listens on an IP address");
    // One request per session, as a browser's `EventSource` sends it.
    let mut requests: Vec<Arc<[u8]>> = Vec::new();
    for _ in 0..SESSIONS {
        let cookie = app.session_cookie(Role::Viewer).await;
        requests.push(sse::request(
            address,
            &format!("/api/v1/live?service={SERVICE}"),
            &cookie,
        ));
    }
    let mut open = 0;
    let mut next_probe = 0;
    let mut rows = Vec::new();
    let mut largest_within = None;
    let mut largest_within_from_send = None;
    println!(
        "live fan-out benchmark: {PROBES} probes per step, one every {} ms",
        PROBE_EVERY.as_millis()
    );
    println!("load before: {}", machine_load());
    'steps: for target in STEPS {
        let opened: Vec<bool> = futures::stream::iter(open..target)
            .map(|i| {
                follow(
                    address,
                    requests[i % SESSIONS].clone(),
                    run.base,
                    run.arrivals.clone(),
                    run.ended.clone(),
                )
            })
            .buffer_unordered(50)
            .collect()
            .await;
        let refused = opened.iter().filter(|ok| !**ok).count();
        open = target;
        if refused > 0 {
            println!("N={target}: {refused} streams refused; stopping");
            break;
        }
        // Let the new streams settle before measuring.
        tokio::time::sleep(Duration::from_secs(1)).await;
        // A step that misses is measured once more before it counts: this
        // machine is shared, and one busy second of someone's build should
        // not end the search. Both attempts are in the table.
        for _attempt in 0..2 {
            let step = measure(&app, &run, next_probe, open).await;
            next_probe += PROBES;
            rows.push(step.row);
            if step.within_from_send && largest_within_from_send.is_none_or(|n| n < target) {
                largest_within_from_send = Some(target);
            }
            if step.within {
                largest_within = Some(target);
                continue 'steps;
            }
        }
        break;
    }
    println!("load after:  {}", machine_load());
    print_table(
        &[
            "subscribers N",
            "events got/expected",
            "p50 from 202",
            "p99 from 202",
            "max from 202",
            "p50 from send",
            "p99 from send",
            "ingest p50",
            "ingest p99",
            "p99 from 202 ≤ 50 ms",
        ],
        &rows,
    );
    println!("(all times in ms; \"ingest\" is the probe's own round trip: send → 202)");
    let show = |n: Option<usize>| n.map_or_else(|| "none".to_string(), |n| n.to_string());
    println!(
        "largest N with every event delivered and p99 ≤ {LIMIT_MS} ms from the 202 (≈ commit): {}",
        show(largest_within)
    );
    println!(
        "largest N with every event delivered and p99 ≤ {LIMIT_MS} ms from sending the ingest request: {}",
        show(largest_within_from_send)
    );
    app.finish().await;
}
