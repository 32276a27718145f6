//! Benchmark 8: error event ingest through the Sentry envelope door
//! (`POST /api/<project>/envelope/`, one event per envelope as SDKs send
//! them, key in `X-Sentry-Auth`) with 4 senders, against a raw binary `COPY`
//! of the same event rows (the columns the store writes) into
//! `error_events`: 1000 rows per `COPY`, and one row per `COPY` (each
//! committed on its own). The door is measured twice, on two instances:
//! with group commit (the default: envelopes arriving together share a
//! transaction) and without (`OPSDECK_ERROR_GROUP_ENVELOPES=1`: each
//! envelope its own transaction).
//!
//! Events are realistic (`common::errors`: 5–20 KB of JSON, 20–40 frames,
//! 200 distinct issues). Every side gets its bytes ready-made (envelopes;
//! COPY data from the app's own `prepare`, with issue ids from the warm-up
//! and ids reserved beforehand), so no timing includes making them. Each
//! round measures the three back to back; ratios are per round, medians
//! reported. `cargo bench -p server --bench errors_ingest`

mod common;

use std::time::Instant;

use app::errors::ssr::event::{PreparedEvent, prepare};
use chrono::{DateTime, Duration, Utc};
use common::{Rng, errors, machine_load, median, print_table};
use futures::StreamExt;
use sqlx::PgPool;

const EVENTS: usize = 4000;
const ROUNDS: usize = 3;
const SENDERS: usize = 4;
const COPY_BATCH: usize = 1000;
const SERVICE: &str = "shop";

const COPY_ERROR_EVENTS: &str = "COPY error_events (ts, id, received_at, event_id, project_id, service, issue_id, \
                                 hash, environment, release, level, user_id, culprit, message, event) \
                                 FROM STDIN (FORMAT binary)";
/// 2000-01-01T00:00:00Z in Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One round's events in both forms.
struct Round {
    envelopes: Vec<Vec<u8>>,
    prepared: Vec<PreparedEvent>,
}

fn events(rng: &mut Rng, n: usize, kinds: impl Fn(usize) -> u64, dsn: &str) -> Round {
    let now = Utc::now();
    let mut round = Round {
        envelopes: Vec::with_capacity(n),
        prepared: Vec::with_capacity(n),
    };
    for i in 0..n {
        let ts: DateTime<Utc> = now - Duration::milliseconds(i64::try_from(rng.below(60_000)).unwrap_or(0));
        let user = rng.below(5000);
        let event = errors::event(rng, kinds(i), ts, user);
        round.envelopes.push(errors::envelope(&event, dsn));
        let payload = event.to_string().into_bytes();
        round
            .prepared
            .push(prepare(&payload, None, now, 30, &[]).expect("a valid event"));
    }
    round
}

/// Events per second sending every envelope, `SENDERS` at a time.
async fn through_door(client: &reqwest::Client, url: &str, key: &str, envelopes: &[Vec<u8>]) -> f64 {
    let auth = errors::sentry_auth(key);
    let started = Instant::now();
    let answers: Vec<u16> = futures::stream::iter(envelopes)
        .map(|body| {
            let request = client
                .post(url)
                .header("X-Sentry-Auth", &auth)
                .header("Content-Type", "application/x-sentry-envelope")
                .body(body.clone());
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
    let refused: Vec<&u16> = answers.iter().filter(|s| **s != 200).collect();
    assert!(refused.is_empty(), "every envelope is accepted; refused: {refused:?}");
    envelopes.len() as f64 / elapsed
}

fn field(out: &mut Vec<u8>, value: &[u8]) {
    out.extend_from_slice(&i32::try_from(value.len()).unwrap_or(i32::MAX).to_be_bytes());
    out.extend_from_slice(value);
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => field(out, value.as_bytes()),
        None => out.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
}

fn micros(ts: DateTime<Utc>) -> [u8; 8] {
    (ts.timestamp_micros() - POSTGRES_EPOCH_MICROS).to_be_bytes()
}

/// Binary `COPY` data for `COPY_ERROR_EVENTS`: the rows the store writes for `events`.
fn copy_data(events: &[(&PreparedEvent, i64, i64)], project: i32) -> Vec<u8> {
    let mut out = b"PGCOPY\n\xff\r\n\0".to_vec();
    out.extend_from_slice(&0_i32.to_be_bytes());
    out.extend_from_slice(&0_i32.to_be_bytes());
    let received = Utc::now();
    for (event, id, issue) in events {
        out.extend_from_slice(&15_i16.to_be_bytes());
        field(&mut out, &micros(event.ts));
        field(&mut out, &id.to_be_bytes());
        field(&mut out, &micros(received));
        field(&mut out, event.event_id.as_bytes());
        field(&mut out, &project.to_be_bytes());
        field(&mut out, SERVICE.as_bytes());
        field(&mut out, &issue.to_be_bytes());
        field(&mut out, event.grouping.hash.as_bytes());
        optional(&mut out, event.environment.as_deref());
        optional(&mut out, event.release.as_deref());
        field(&mut out, event.level.as_bytes());
        optional(&mut out, event.user.as_deref());
        field(&mut out, event.culprit.as_bytes());
        field(&mut out, event.message.as_bytes());
        // jsonb's binary form: version 1, then the JSON text.
        let mut json = vec![1_u8];
        json.extend_from_slice(event.event.to_string().as_bytes());
        field(&mut out, &json);
    }
    out.extend_from_slice(&(-1_i16).to_be_bytes());
    out
}

/// The round's rows as `COPY` data of `per_copy` rows each (ids reserved now).
async fn copies(pool: &PgPool, round: &Round, issues: &[(String, i64)], project: i32, per_copy: usize) -> Vec<Vec<u8>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('error_events_id_seq') FROM generate_series(1, $1::bigint)")
        .bind(i64::try_from(round.prepared.len()).unwrap_or(0))
        .fetch_all(pool)
        .await
        .expect("ids");
    let rows: Vec<(&PreparedEvent, i64, i64)> = round
        .prepared
        .iter()
        .zip(ids)
        .map(|(event, id)| {
            let issue = issues
                .iter()
                .find(|(hash, _)| *hash == event.grouping.hash)
                .map(|(_, issue)| *issue)
                .expect("every kind's issue exists after the warm-up");
            (event, id, issue)
        })
        .collect();
    rows.chunks(per_copy).map(|chunk| copy_data(chunk, project)).collect()
}

/// Events per second copying every chunk (one `COPY` each, committed on its own), `SENDERS` at a time.
async fn through_copy(pool: &PgPool, data: &[Vec<u8>], events: usize) -> f64 {
    let started = Instant::now();
    futures::stream::iter(data)
        .map(|bytes| async move {
            let mut conn = pool.acquire().await.expect("connection");
            app::metrics::ssr::copy::send(&mut conn, COPY_ERROR_EVENTS, bytes)
                .await
                .expect("COPY");
        })
        .buffer_unordered(SENDERS)
        .collect::<Vec<()>>()
        .await;
    events as f64 / started.elapsed().as_secs_f64()
}

fn sizes(round: &Round) -> String {
    let mut bytes: Vec<f64> = round
        .prepared
        .iter()
        .map(|e| e.event.to_string().len() as f64)
        .collect();
    let mut frames: Vec<f64> = round
        .prepared
        .iter()
        .map(|e| {
            e.event["exception"]["values"][0]["stacktrace"]["frames"]
                .as_array()
                .map_or(0, Vec::len) as f64
        })
        .collect();
    bytes.sort_by(f64::total_cmp);
    frames.sort_by(f64::total_cmp);
    format!(
        "event JSON {:.1}–{:.1} KB (median {:.1}), {:.0}–{:.0} frames",
        bytes[0] / 1000.0,
        bytes[bytes.len() - 1] / 1000.0,
        median(&bytes) / 1000.0,
        frames[0],
        frames[frames.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    // Production defaults except the per-key rate limit (600 requests/min would cap this at 10 events/s).
    let rate = ("OPSDECK_INGEST_RATE_PER_MIN", "100000000");
    let app = common::start(&[rate, ("OPSDECK_ERROR_GROUP_ENVELOPES", "64")]).await;
    let alone_app = common::start(&[rate, ("OPSDECK_ERROR_GROUP_ENVELOPES", "1")]).await;
    let (project, key, dsn) = app.errors_key(SERVICE).await;
    let (alone_project, alone_key, _) = alone_app.errors_key(SERVICE).await;
    let url = format!("{}/api/{project}/envelope/", app.address);
    let alone_url = format!("{}/api/{alone_project}/envelope/", alone_app.address);
    let client = reqwest::Client::new();
    let pool = app.pool(SENDERS as u32).await;
    let mut rng = Rng::new(8);

    // Warm-up: every kind once (so all 200 issues exist), then a round of each side.
    let first = events(&mut rng, errors::ISSUES as usize, |i| i as u64, &dsn);
    through_door(&client, &url, &key, &first.envelopes).await;
    through_door(&client, &alone_url, &alone_key, &first.envelopes).await;
    let issues: Vec<(String, i64)> = sqlx::query_as("SELECT hash, issue_id FROM error_hashes WHERE project_id = $1")
        .bind(project)
        .fetch_all(&pool)
        .await
        .expect("hashes");
    assert_eq!(issues.len() as u64, errors::ISSUES, "one issue per kind");
    let random_kind = |rng: &mut Rng| rng.below(errors::ISSUES);
    let mut kinds_rng = Rng::new(88);
    let kinds: Vec<u64> = (0..EVENTS * (ROUNDS + 1))
        .map(|_| random_kind(&mut kinds_rng))
        .collect();
    let warm = events(&mut rng, 1000, |i| kinds[i], &dsn);
    println!("{}", sizes(&warm));
    through_door(&client, &url, &key, &warm.envelopes).await;
    through_door(&client, &alone_url, &alone_key, &warm.envelopes).await;
    let data = copies(&pool, &warm, &issues, project, COPY_BATCH).await;
    through_copy(&pool, &data, warm.prepared.len()).await;

    println!(
        "errors ingest benchmark: {EVENTS} events per measurement, one per envelope, {SENDERS} senders, {ROUNDS} rounds"
    );
    println!("load before: {}", machine_load());
    let (mut door, mut batched, mut single, mut batched_ratio, mut single_ratio) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut alone, mut alone_ratio) = (vec![], vec![]);
    for r in 1..=ROUNDS {
        let round = events(&mut rng, EVENTS, |i| kinds[r * EVENTS + i], &dsn);
        let batch_data = copies(&pool, &round, &issues, project, COPY_BATCH).await;
        let single_data = copies(&pool, &round, &issues, project, 1).await;
        let d = through_door(&client, &url, &key, &round.envelopes).await;
        let a = through_door(&client, &alone_url, &alone_key, &round.envelopes).await;
        let b = through_copy(&pool, &batch_data, EVENTS).await;
        let s = through_copy(&pool, &single_data, EVENTS).await;
        println!(
            "round {r}: door {d:.0}, door without groups {a:.0}, COPY ×{COPY_BATCH} {b:.0}, COPY ×1 {s:.0} events/s"
        );
        door.push(d);
        alone.push(a);
        alone_ratio.push(d / a);
        batched.push(b);
        single.push(s);
        batched_ratio.push(d / b);
        single_ratio.push(d / s);
    }
    println!("load after:  {}", machine_load());
    let rounds = |values: &[f64]| values.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(", ");
    print_table(
        &["side", "events/s: median (rounds)", "door / this: median"],
        &[
            vec![
                "envelope door, 1 event per request".into(),
                format!("{:.0} ({})", median(&door), rounds(&door)),
                "1".into(),
            ],
            vec![
                "the same door, each envelope its own transaction".into(),
                format!("{:.0} ({})", median(&alone), rounds(&alone)),
                format!("{:.3}", median(&alone_ratio)),
            ],
            vec![
                format!("raw binary COPY, {COPY_BATCH} rows per COPY"),
                format!("{:.0} ({})", median(&batched), rounds(&batched)),
                format!("{:.3}", median(&batched_ratio)),
            ],
            vec![
                "raw binary COPY, 1 row per COPY".into(),
                format!("{:.0} ({})", median(&single), rounds(&single)),
                format!("{:.3}", median(&single_ratio)),
            ],
        ],
    );
    let (events, issues, bytes): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM error_events), (SELECT count(*) FROM error_issues), \
                (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits \
                 WHERE inhparent = 'error_events'::regclass)",
    )
    .fetch_one(&pool)
    .await
    .expect("sizes");
    println!(
        "error_events holds {events} events of {issues} issues; {} bytes on disk per event (table, TOAST and indexes)",
        bytes / events.max(1)
    );
    pool.close().await;
    app.finish().await;
    alone_app.finish().await;
}
