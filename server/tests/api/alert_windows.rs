//! Every aggregation (log lines and errors too) over every window a rule may have, evaluated at an
//! instant with nanoseconds (as `Utc::now()` gives), against values worked
//! out by hand from the stored records; and the enabled default "Redis down"
//! rule firing on `health.redis.up = 0` samples stored the way
//! self-monitoring stores them.

use std::collections::BTreeMap;

use app::alerts::ssr::evaluate::{observe, run_cycle};
use app::alerts::ssr::store;
use app::alerts::state::Observation;
use app::alerts::{Aggregation, AlertState, Watched};
use app::health::{ServiceCheck, Status};
use app::metrics::{IngestBatch, MetricKind, MetricSample, RequestEvent};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;

use crate::helpers::{fresh_pool, store_requests};

/// Windows from the shortest a rule may have (one minute) up to an hour.
const WINDOWS_MINUTES: [i64; 6] = [1, 2, 3, 5, 15, 60];

fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).expect("minute")
}

/// An instant 37.123456789 s into `minute`: finer than Postgres keeps.
fn with_nanos(minute: DateTime<Utc>) -> DateTime<Utc> {
    minute + Duration::nanoseconds(37_123_456_789)
}

async fn store_samples(pool: &PgPool, samples: Vec<MetricSample>) {
    let mut tx = pool.begin().await.expect("begin");
    app::metrics::ssr::store::store_batch(
        &mut tx,
        &IngestBatch {
            requests: Vec::new(),
            samples,
        },
    )
    .await
    .expect("samples stored");
    tx.commit().await.expect("commit");
}

fn watched(aggregation: Aggregation, minutes: i64) -> Watched {
    Watched {
        service: "shop".into(),
        endpoint: None,
        metric: aggregation.reads_metric().then(|| "queue.depth".to_string()),
        matchers: BTreeMap::new(),
        log_query: aggregation.reads_logs().then(|| "tick -tock".to_string()),
        error_issue: None,
        aggregation,
        window_secs: minutes * 60,
    }
}

fn log_line(service: &str, body: &str, ts: DateTime<Utc>) -> app::logs::NewLogLine {
    app::logs::NewLogLine {
        ts,
        observed_ts: ts,
        service: service.into(),
        host: String::new(),
        severity: 9,
        severity_text: "INFO".into(),
        body: body.into(),
        attributes: serde_json::json!({}),
        trace_id: None,
        span_id: None,
    }
}

/// Exact rank selection (what the histogram is within 1 % of).
fn rank(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// What a rule with `aggregation` over the records of `minutes` (the minute
/// indexes its window holds) must see.
fn expected(
    aggregation: Aggregation,
    window_secs: f64,
    samples: &[(i64, f64)],
    requests: &[(i64, f64, bool)],
    ticks: &[(i64, usize)],
    errors: &Errors,
    minutes: &[i64],
) -> f64 {
    let values: Vec<f64> = samples
        .iter()
        .filter(|(m, _)| minutes.contains(m))
        .map(|(_, v)| *v)
        .collect();
    let reqs: Vec<(f64, bool)> = requests
        .iter()
        .filter(|(m, _, _)| minutes.contains(m))
        .map(|(_, d, e)| (*d, *e))
        .collect();
    let mut durations: Vec<f64> = reqs.iter().map(|(d, _)| *d).collect();
    durations.sort_by(f64::total_cmp);
    match aggregation {
        Aggregation::MetricMin => values.iter().copied().fold(f64::INFINITY, f64::min),
        Aggregation::MetricMax => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Aggregation::MetricAvg => values.iter().sum::<f64>() / values.len() as f64,
        // Samples are made in time order, so the last one is the newest.
        Aggregation::MetricLast => *values.last().expect("a sample"),
        Aggregation::P50 => rank(&durations, 0.50),
        Aggregation::P95 => rank(&durations, 0.95),
        Aggregation::P99 => rank(&durations, 0.99),
        Aggregation::AvgLatency => durations.iter().sum::<f64>() / durations.len() as f64,
        Aggregation::MaxLatency => *durations.last().expect("a request"),
        Aggregation::Throughput => reqs.len() as f64 / window_secs,
        Aggregation::ErrorRate => 100.0 * reqs.iter().filter(|(_, e)| *e).count() as f64 / reqs.len() as f64,
        Aggregation::LogLines => ticks
            .iter()
            .filter(|(m, _)| minutes.contains(m))
            .map(|(_, n)| *n as f64)
            .sum(),
        Aggregation::ErrorEvents => errors
            .events
            .iter()
            .filter(|(m, _)| minutes.contains(m))
            .map(|(_, n)| *n as f64)
            .sum(),
        Aggregation::NewErrorIssues => errors.new_issues.iter().filter(|m| minutes.contains(m)).count() as f64,
        // No issue was resolved, so none regressed (the store's own path is `error_alerts`).
        Aggregation::RegressedErrorIssues => 0.0,
        Aggregation::SloBurnRate => panic!("burn-rate rules watch an SLO: slo_burn.rs checks them"),
    }
}

/// The service's error events per minute (all issues), and the minutes new issues were first seen in.
struct Errors {
    events: Vec<(i64, i64)>,
    new_issues: Vec<i64>,
}

/// One issue of `shop` with events every minute since minute 0, and a new
/// issue (with one event) every fourth minute; written as the store writes
/// the rows these rules read (issues and their per-minute and per-hour counts).
async fn store_errors(pool: &PgPool, at_second: impl Fn(i64, i64) -> DateTime<Utc>) -> Errors {
    let project: i32 = sqlx::query_scalar("INSERT INTO error_projects (service) VALUES ('shop') RETURNING id")
        .fetch_one(pool)
        .await
        .expect("project");
    let issue = |first_seen: DateTime<Utc>| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO error_issues (project_id, title, level, first_seen, last_seen) \
             VALUES ($1, 'TypeError', 'error', $2, $2) RETURNING id",
        )
        .bind(project)
        .bind(first_seen)
        .fetch_one(pool)
    };
    // The minute's row and its hour's, as the store keeps both tiers.
    let minute = |issue: i64, m: i64, events: i64| {
        sqlx::query(
            "WITH minute AS (INSERT INTO error_issue_minutes (issue_id, minute, events) VALUES ($1, $2, $3)) \
             INSERT INTO error_issue_hours (issue_id, hour, events) VALUES ($1, date_trunc('hour', $2, 'UTC'), $3) \
             ON CONFLICT (issue_id, hour) DO UPDATE SET events = error_issue_hours.events + EXCLUDED.events",
        )
        .bind(issue)
        .bind(at_second(m, 0))
        .bind(events as i32)
        .execute(pool)
    };
    let steady = issue(at_second(0, 1)).await.expect("issue");
    let mut errors = Errors {
        events: Vec::new(),
        new_issues: Vec::new(),
    };
    for m in 0..=70_i64 {
        let n = 1 + m * 5 % 9;
        minute(steady, m, n).await.expect("minute");
        let mut events = n;
        if m % 4 == 0 && m > 0 {
            let new = issue(at_second(m, 20)).await.expect("issue");
            minute(new, m, 1).await.expect("minute");
            errors.new_issues.push(m);
            events += 1;
        }
        errors.events.push((m, events));
    }
    errors
}

#[tokio::test]
async fn every_aggregation_over_every_window_sees_exactly_its_minutes() {
    let (_database, pool) = fresh_pool().await;
    // Minutes 0..=70 before `now`'s minute hold data; evaluations happen 37 s
    // (and some nanoseconds) into minute 70, so a window of k minutes holds
    // minutes 71 − k ..= 70.
    let start = whole_minute(Utc::now()) - Duration::minutes(75);
    let at = with_nanos(start + Duration::minutes(70));
    let mut samples = Vec::new();
    let mut requests = Vec::new();
    for m in 0..=70_i64 {
        // Two samples a minute whose values differ from minute to minute
        // (so a window one minute too long or short shows).
        samples.push((m, (m * 7 % 13) as f64 + 0.5));
        samples.push((m, (m * 5 % 11) as f64 - 3.0));
        // A few requests a minute with minute-dependent durations and errors.
        for i in 0..(3 + m % 4) {
            let duration = 20.0 + ((m * 31 + i * 17) % 97) as f64 * 3.0;
            requests.push((m, duration, (m + i) % 5 == 0));
        }
    }
    let at_second = |m: i64, s: i64| start + Duration::minutes(m) + Duration::seconds(s);
    let mut stored = Vec::new();
    let mut per_minute: BTreeMap<i64, usize> = BTreeMap::new();
    for (m, value) in &samples {
        let n = per_minute.entry(*m).or_default();
        stored.push(MetricSample {
            service: "shop".into(),
            name: "queue.depth".into(),
            value: *value,
            labels: BTreeMap::new(),
            ts: at_second(*m, 5 + 30 * *n as i64),
            kind: MetricKind::Gauge,
        });
        *n += 1;
    }
    store_samples(&pool, stored).await;
    let events = requests
        .iter()
        .enumerate()
        .map(|(i, (m, duration, error))| RequestEvent {
            service: "shop".into(),
            endpoint: "/cart".into(),
            method: "GET".into(),
            status: if *error { 500 } else { 200 },
            duration_ms: *duration,
            ts: at_second(*m, (i % 50) as i64 + 1),
        })
        .collect();
    store_requests(&pool, events).await;
    // Matching log lines ("tick") a minute, and lines that do not match: the
    // query excludes "tock", and another service's ticks are not the rule's.
    let ticks: Vec<(i64, usize)> = (0..=70_i64).map(|m| (m, (m * 3 % 7) as usize)).collect();
    let mut lines = Vec::new();
    for (m, n) in &ticks {
        for i in 0..*n {
            lines.push(log_line("shop", "tick", at_second(*m, 2 + 9 * i as i64)));
        }
        lines.push(log_line("shop", "tick tock", at_second(*m, 59)));
        lines.push(log_line("billing", "tick", at_second(*m, 30)));
    }
    app::logs::ssr::store::store(&pool, None, lines)
        .await
        .expect("lines stored");

    let errors = store_errors(&pool, at_second).await;

    let mut conn = pool.acquire().await.expect("conn");
    let mut checked = 0;
    // Burn-rate rules watch an SLO, not these series (slo_burn.rs).
    for &aggregation in Aggregation::ALL.iter().filter(|a| !a.reads_slo()) {
        for minutes in WINDOWS_MINUTES {
            let rule = watched(aggregation, minutes);
            let held: Vec<i64> = (71 - minutes..=70).collect();
            let want = expected(
                aggregation,
                (minutes * 60) as f64,
                &samples,
                &requests,
                &ticks,
                &errors,
                &held,
            );
            let seen = observe(&mut conn, &rule, at).await;
            let Observation::Value(got) = seen else {
                panic!("{aggregation:?} over {minutes} min: {seen:?}, expected {want}");
            };
            // Quantiles come from the histogram, within its 1 % bound.
            let tolerance = match aggregation {
                Aggregation::P50 | Aggregation::P95 | Aggregation::P99 => want.abs() * 0.01 + 1e-9,
                _ => 1e-9 * want.abs().max(1.0),
            };
            assert!(
                (got - want).abs() <= tolerance,
                "{aggregation:?} over {minutes} min: got {got}, expected {want}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, (Aggregation::ALL.len() - 1) * WINDOWS_MINUTES.len());
}

#[tokio::test]
async fn the_default_redis_down_rule_fires_on_self_monitoring_samples() {
    let (_database, pool) = fresh_pool().await;
    sqlx::query("UPDATE alert_rules SET enabled = true WHERE name = 'Redis down'")
        .execute(&pool)
        .await
        .expect("enabled");
    // Redis is unreachable for four minutes: a health sample every 5 s,
    // stored as the self-monitor stores them.
    let start = whole_minute(Utc::now()) - Duration::minutes(6);
    let down = ServiceCheck {
        status: Status::Down,
        response_time: 1000,
        message: "Unreachable".into(),
    };
    let mut samples = Vec::new();
    for i in 0..(4 * 12) {
        samples.extend(opsdeck::workers::self_monitor::health_samples(
            "redis",
            &down,
            start + Duration::seconds(5 * i),
        ));
    }
    store_samples(&pool, samples).await;

    // The evaluator's cycles, every 15 s, at instants with nanoseconds.
    let mut states = Vec::new();
    let mut at = with_nanos(start + Duration::minutes(1));
    while at < start + Duration::minutes(4) {
        let cycle = run_cycle(&pool, &crate::helpers::audit_key(), at).await.expect("cycle");
        states.extend(cycle.transitions.iter().map(|(_, t, _)| (t.to, t.value)));
        at += Duration::seconds(15);
    }
    assert!(
        states.contains(&(AlertState::Firing, Some(0.0))),
        "Redis down fired: {states:?}"
    );
    let mut conn = pool.acquire().await.expect("conn");
    let rule = store::list(&mut conn)
        .await
        .expect("rules")
        .into_iter()
        .find(|r| r.draft.name == "Redis down")
        .expect("the default rule");
    let firing = store::events(&mut conn, Some(rule.id), None, None, None, 100)
        .await
        .expect("events");
    assert!(
        firing.iter().any(|e| e.to == AlertState::Firing),
        "a firing event is stored: {firing:?}"
    );
}
