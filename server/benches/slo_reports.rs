//! Benchmark 10: SLOs and monthly reports over 20 services with two months
//! of history in the rollups — the month's report computed (cold) and
//! answered from the shared cache, every SLO's budget now (the SLO list and
//! the Overview strip), one alert evaluation cycle with every SLO's
//! burn-rate rules, and a 30-day backtest of one burn-rate rule.
//!
//! Last month also has 60 deployments and 40 incidents. The history goes in through the rollup step of the write path
//! (`metrics::ssr::rollup::add`, what the demo backfill uses), an hour of
//! every service per transaction, then the compactor's fold. SLOs are
//! stored with their generated burn-rate rules, as the SLO editor saves
//! them. First, on a database of its own, `opsdeck demo`'s backfill of 30
//! days (the function the demo command runs), timed.
//! `cargo bench -p server --bench slo_reports`

mod common;

use std::time::Instant;

use chrono::{DateTime, Duration, DurationRound, Utc};
use common::{Rng, machine_load, median, print_table, request_event};
use futures::StreamExt;
use sqlx::PgPool;

use app::alerts::ssr::evaluate::{backtest, run_cycle};
use app::metrics::ssr::compact::compact_deltas;
use app::reports::month::Month;
use app::slo::ssr::burn_rules::drafts;
use app::slo::{SloDraft, SloKind, SloWindow};

const SERVICES: usize = 20;
/// Requests per service and minute in the history (the rollups' row count,
/// not the requests, is what the reads cost).
const PER_MINUTE: u64 = 4;
const RUNS: usize = 3;

fn service(i: usize) -> String {
    format!("service-{i:02}")
}

/// An hour of every service's requests, about 1 in 400 a server error.
fn hour_of(hour: DateTime<Utc>, seed: u64) -> Vec<app::metrics::RequestEvent> {
    let mut rng = Rng::new(seed);
    let mut events = Vec::with_capacity(SERVICES * 60 * PER_MINUTE as usize);
    for s in 0..SERVICES {
        let name = service(s);
        for minute in 0..60 {
            for _ in 0..PER_MINUTE {
                let ts = hour + Duration::minutes(minute) + Duration::milliseconds(rng.below(60_000) as i64);
                let mut event = request_event(&mut rng, &name, 5, ts);
                event.status = if rng.below(400) == 0 { 503 } else { 200 };
                events.push(event);
            }
        }
    }
    events
}

/// `[from, to)` hour by hour through the rollup step, two transactions at a time.
async fn load(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> (usize, f64) {
    let started = Instant::now();
    let hours: Vec<DateTime<Utc>> = std::iter::successors(Some(from), |h| Some(*h + Duration::hours(1)))
        .take_while(|h| *h < to)
        .collect();
    let count = hours.len();
    let mut days: Vec<_> = hours.iter().map(|h| h.date_naive()).collect();
    days.dedup();
    let mut conn = pool.acquire().await.expect("conn");
    app::metrics::ssr::partitions::ensure_days(&mut conn, &days)
        .await
        .expect("partitions");
    drop(conn);
    futures::stream::iter(hours.into_iter().enumerate())
        .map(|(i, hour)| async move {
            let events = tokio::task::spawn_blocking(move || hour_of(hour, i as u64 + 11))
                .await
                .expect("events");
            let mut tx = pool.begin().await.expect("begin");
            app::metrics::ssr::rollup::add(&mut tx, &events).await.expect("rollups");
            tx.commit().await.expect("commit");
        })
        .buffer_unordered(2)
        .collect::<Vec<()>>()
        .await;
    let mut conn = pool.acquire().await.expect("conn");
    compact_deltas(&mut conn, from, to).await.expect("compacted");
    sqlx::query("VACUUM (ANALYZE)")
        .execute(&mut *conn)
        .await
        .expect("vacuum");
    (count, started.elapsed().as_secs_f64())
}

/// Last month's deployments, three per service (the report judges each
/// against the hour before it), and forty incidents of a critical rule.
async fn add_changes(pool: &PgPool, month: Month) {
    for s in 0..SERVICES {
        for k in 0..3i64 {
            let at = month.start() + Duration::days(3 + 9 * k) + Duration::hours(s as i64 % 12);
            sqlx::query(
                "INSERT INTO deployments (service, version, environment, status, started_at, finished_at, \
                     deployed_by, source) \
                 VALUES ($1, $2, 'production', 'succeeded', $3, $3 + interval '3 minutes', 'ci', 'api')",
            )
            .bind(service(s))
            .bind(format!("v1.{k}.{s}"))
            .bind(at)
            .execute(pool)
            .await
            .expect("deployment");
        }
    }
    let rule: i64 = sqlx::query_scalar("SELECT id FROM alert_rules ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await
        .expect("a default rule");
    for i in 0..40i64 {
        let fired = month.start() + Duration::hours(17 * i + 5);
        for (at, from, to) in [
            (fired, "pending", "firing"),
            (fired + Duration::minutes(25), "firing", "resolved"),
        ] {
            sqlx::query(
                "INSERT INTO alert_events (rule_id, at, from_state, to_state, value, threshold, severity, \
                     acknowledged_at) VALUES ($1, $2, $3, $4, 1, 0, 'critical', $5)",
            )
            .bind(rule)
            .bind(at)
            .bind(from)
            .bind(to)
            .bind((to == "firing").then(|| at + Duration::minutes(4)))
            .execute(pool)
            .await
            .expect("alert event");
        }
    }
}

/// SLO `n` of the 100: each service an availability SLO over 30 days first,
/// then latency and availability SLOs over other windows.
fn slo(n: usize) -> SloDraft {
    let (kind, threshold_ms, window) = match n / SERVICES {
        0 => (SloKind::Availability, None, SloWindow::Rolling30),
        1 => (SloKind::Latency, Some(300.0), SloWindow::Rolling28),
        2 => (SloKind::Availability, None, SloWindow::Month),
        3 => (SloKind::Latency, Some(100.0), SloWindow::Rolling7),
        _ => (SloKind::Latency, Some(1000.0), SloWindow::Rolling30),
    };
    SloDraft {
        name: format!("SLO {n:03}"),
        description: String::new(),
        service: service(n % SERVICES),
        endpoint: None,
        kind,
        good_statuses: None,
        threshold_ms,
        objective: 99.5,
        window,
    }
}

/// Stores SLOs `range` with their burn-rate rules; answers the rules' ids.
async fn add_slos(pool: &PgPool, range: std::ops::Range<usize>) -> Vec<i64> {
    let mut conn = pool.acquire().await.expect("conn");
    let mut rules = Vec::new();
    for n in range {
        let draft = slo(n);
        let (id, _) = app::slo::ssr::store::save(&mut conn, None, &draft, None)
            .await
            .expect("slo")
            .expect("new");
        for rule in drafts(id, &draft) {
            let (rule_id, _) = app::alerts::ssr::store::save(&mut conn, None, &rule, None)
                .await
                .expect("rule")
                .expect("new");
            rules.push(rule_id);
        }
    }
    rules
}

/// Milliseconds of `runs` calls of `work`, median and each.
async fn time<F, Fut>(runs: usize, mut work: F) -> (f64, Vec<f64>)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut each = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        work().await;
        each.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (median(&each), each)
}

fn row(what: &str, (median_ms, each): (f64, Vec<f64>), target: &str) -> Vec<String> {
    let runs: Vec<String> = each.iter().map(|ms| format!("{ms:.1}")).collect();
    // Printed as measured too: the whole run takes minutes.
    println!("{what}: median {median_ms:.1} ms ({})", runs.join(", "));
    vec![
        what.to_string(),
        format!("{median_ms:.1}"),
        runs.join(", "),
        target.to_string(),
    ]
}

async fn report_rows(app: &common::BenchApp, pool: &PgPool, month: Month, label: &str) -> Vec<Vec<String>> {
    let now = Utc::now();
    let cold = time(RUNS, || async move {
        let mut conn = pool.acquire().await.expect("conn");
        app::reports::ssr::report(&mut conn, month, None, now)
            .await
            .expect("report");
    })
    .await;
    app.state.monthly_reports.clear();
    let first = time(1, || async move {
        app.state
            .monthly_reports
            .report(app.db(), month, None)
            .await
            .expect("report");
    })
    .await;
    let cached = time(RUNS * 4, || async move {
        app.state
            .monthly_reports
            .report(app.db(), month, None)
            .await
            .expect("report");
    })
    .await;
    vec![
        row(&format!("report, computed ({label})"), cold, "≤ 300"),
        row(
            &format!("report, first read through the cache ({label})"),
            first,
            "≤ 300",
        ),
        row(&format!("report, cached ({label})"), cached, "≤ 20"),
    ]
}

/// `opsdeck demo`'s 30-day backfill on a fresh database: what it stored and how long it took.
async fn backfill() -> Vec<String> {
    let app = common::start(&[]).await;
    opsdeck::cli::demo::ensure_demo_rules(&app.state).await;
    let load = machine_load();
    let started = Instant::now();
    let done = opsdeck::cli::demo::backfill::run(&app.state, 30, Utc::now())
        .await
        .expect("backfilled");
    let secs = started.elapsed().as_secs_f64();
    app.finish().await;
    vec![
        format!("{} hours, {} requests", done.hours, done.requests),
        format!("{} deployments, {} alert events", done.deployments, done.alert_events),
        format!("{secs:.1}"),
        format!("{:.0}", done.requests as f64 / secs),
        load,
    ]
}

#[tokio::main]
async fn main() {
    // BENCH_BACKFILL=0 leaves the backfill out.
    if std::env::var("BENCH_BACKFILL").as_deref() != Ok("0") {
        let backfilled = backfill().await;
        let header = [
            "demo backfill, 30 days",
            "recorded",
            "seconds",
            "requests/s",
            "load before",
        ];
        print_table(&header, &[backfilled]);
    }
    let app = common::start(&[("OPSDECK_RETENTION_ROLLUP_DAYS", "400")]).await;
    let pool = &app.pool(4).await;
    let now = Utc::now().duration_trunc(Duration::minutes(1)).expect("minute");
    let last_month = Month::of(now).previous();
    let from = last_month.previous().start() + Duration::days(20);
    println!(
        "loading {SERVICES} services' history from {from} to {now} ({})",
        machine_load()
    );
    let (hours, secs) = load(pool, from, now).await;
    println!(
        "loaded {hours} hours, {} requests, in {secs:.1} s ({})",
        hours * SERVICES * 60 * PER_MINUTE as usize,
        machine_load()
    );

    add_changes(pool, last_month).await;
    let mut rows = Vec::new();
    add_slos(pool, 0..SERVICES).await;
    rows.extend(report_rows(&app, pool, last_month, "20 SLOs").await);
    let rules = add_slos(pool, SERVICES..5 * SERVICES).await;
    rows.extend(report_rows(&app, pool, last_month, "100 SLOs").await);
    rows.push(row(
        "every SLO's budget now (100 SLOs)",
        time(RUNS, || async move {
            let mut conn = pool.acquire().await.expect("conn");
            app::slo::ssr::reading::rows(&mut conn, now).await.expect("budgets");
        })
        .await,
        "≤ 200",
    ));
    // Silences ended by the cycle are audited; the benchmark's key signs them.
    let key = app::audit::ssr::AuditKey::new(&[7u8; 32]);
    let audit_key = &key;
    rows.push(row(
        "one evaluation cycle (300 burn-rate rules + the defaults)",
        time(RUNS, || async move {
            run_cycle(pool, audit_key, Utc::now()).await.expect("cycle");
        })
        .await,
        "—",
    ));
    let mut conn = pool.acquire().await.expect("conn");
    for (rule_id, what) in [
        (rules[0], "14.4× over 1 h and 5 min"),
        (rules[2], "1× over 3 days and 6 h"),
    ] {
        let rule = app::alerts::ssr::store::get(&mut conn, rule_id)
            .await
            .expect("rule")
            .expect("stored");
        let condition = &rule.draft.condition();
        let timed = time(3, || async move {
            let mut conn = pool.acquire().await.expect("conn");
            backtest(
                &mut conn,
                condition,
                now - Duration::days(30),
                now,
                Duration::seconds(15),
            )
            .await
            .expect("backtest");
        })
        .await;
        rows.push(row(&format!("30-day backtest every 15 s, {what}"), timed, "≤ 1000"));
    }
    drop(conn);
    println!("\nafter the load ({})", machine_load());
    print_table(&["what", "median ms", "runs (ms)", "target ms"], &rows);
    pool.close().await;
    app.finish().await;
}
