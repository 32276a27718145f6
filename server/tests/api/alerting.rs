//! Alert evaluation against stored metrics: the evaluator's cycle, a
//! backtest that equals it, state kept across saves, default rules, and
//! exactly one evaluator among several instances.

use std::time::Duration as StdDuration;

use app::alerts::ssr::evaluate::{backtest, run_cycle};
use app::alerts::ssr::store;
use app::alerts::{Aggregation, AlertState};
use app::metrics::RequestEvent;
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;

use crate::helpers::{fresh_pool, p95_rule, store_requests};

/// Two hours of `shop` traffic ending at `end`: 20 requests a minute at
/// 50–100 ms, with a slow incident (600–900 ms) in minutes 40–59 followed by
/// a stretch between the recovery threshold and the threshold (180–275 ms)
/// in minutes 60–69.
async fn seed_history(pool: &PgPool, end: DateTime<Utc>) -> DateTime<Utc> {
    let start = end - Duration::minutes(120);
    let mut requests = Vec::new();
    for minute in 0..120 {
        for i in 0..20 {
            let base = match minute {
                40..60 => 600.0 + 15.0 * i as f64,
                60..70 => 180.0 + 5.0 * i as f64,
                _ => 50.0 + 2.5 * i as f64,
            };
            requests.push(RequestEvent {
                service: "shop".into(),
                endpoint: "/cart".into(),
                method: "GET".into(),
                status: 200,
                duration_ms: base,
                ts: start + Duration::minutes(minute) + Duration::seconds(i * 2),
            });
        }
    }
    store_requests(pool, requests).await;
    start
}

fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).expect("minute")
}

#[tokio::test]
async fn default_rules_for_opsdeck_exist_disabled() {
    let (_database, pool) = fresh_pool().await;
    let mut conn = pool.acquire().await.expect("conn");
    let rules = store::list(&mut conn).await.expect("rules");
    let names: Vec<&str> = rules.iter().map(|r| r.draft.name.as_str()).collect();
    for expected in [
        "Postgres down",
        "Postgres slow",
        "Redis down",
        "Opsdeck high error rate",
        "Opsdeck high P95",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(rules.iter().all(|r| r.draft.validate().is_ok()));
    // Opsdeck's own defaults wait for an admin; the data stores' are on
    // (they stay quiet without samples: no data is "ok").
    let (data_stores, own): (Vec<_>, Vec<_>) = rules.iter().partition(|r| r.draft.service.starts_with("opsdeck-"));
    assert!(own.iter().all(|r| !r.draft.enabled));
    assert!(data_stores.iter().filter(|r| r.draft.enabled).count() >= 15);
    assert!(
        data_stores
            .iter()
            .all(|r| r.draft.no_data == app::alerts::NoDataPolicy::Ok)
    );
    let enabled = store::enabled(&mut conn).await.expect("enabled");
    assert!(enabled.iter().all(|r| r.draft.service.starts_with("opsdeck-")));
    // Their first version is readable as a definition.
    let versions = store::versions(&mut conn, rules[0].id).await.expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].definition, rules[0].draft);
}

#[tokio::test]
async fn the_evaluator_fires_and_resolves_and_a_backtest_agrees_evaluation_by_evaluation() {
    let (_database, pool) = fresh_pool().await;
    let end = whole_minute(Utc::now()) - Duration::minutes(5);
    let start = seed_history(&pool, end).await;
    let rule = p95_rule("Shop slow");
    let mut conn = pool.acquire().await.expect("conn");
    let (id, _) = store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved")
        .expect("row");

    let every = Duration::seconds(60);
    let from = start + Duration::minutes(10);
    let replay = backtest(&mut conn, &rule.condition(), from, end, every)
        .await
        .expect("backtest");

    // The live evaluator, run at the same instants on the same stored data.
    let mut live = Vec::new();
    let mut at = from + every;
    while at <= end {
        let cycle = run_cycle(&pool, &crate::helpers::audit_key(), at).await.expect("cycle");
        live.extend(cycle.transitions.into_iter().map(|(rule_id, t, silenced)| {
            assert_eq!((rule_id, silenced), (id, None));
            t
        }));
        at += every;
    }
    assert_eq!(live, replay.transitions, "backtest = live evaluator");

    // The incident (minutes 40–59) fires after the pending period; hysteresis
    // keeps it firing through the stretch under the threshold but over the
    // recovery threshold (60–69); it resolves once the window is back to normal.
    let fired: Vec<_> = replay.episodes.iter().map(|e| (e.fired_at, e.resolved_at)).collect();
    assert_eq!(fired.len(), 1, "{:?}", replay.transitions);
    let (fired_at, resolved_at) = fired[0];
    assert!(
        fired_at > start + Duration::minutes(41) && fired_at <= start + Duration::minutes(44),
        "{fired_at}"
    );
    let resolved_at = resolved_at.expect("resolved");
    assert!(
        resolved_at > start + Duration::minutes(70) && resolved_at <= start + Duration::minutes(73),
        "{resolved_at}"
    );

    // Every transition is stored with the value that caused it.
    let events = store::events(&mut conn, Some(id), None, None, None, 100)
        .await
        .expect("events");
    assert_eq!(events.len(), live.len());
    let firing = events
        .iter()
        .find(|e| e.to == AlertState::Firing)
        .expect("a firing event");
    assert!(firing.value.is_some_and(|v| v > 300.0));
}

#[tokio::test]
async fn saving_a_rule_keeps_its_state_unless_its_condition_changed() {
    let (_database, pool) = fresh_pool().await;
    let end = whole_minute(Utc::now()) - Duration::minutes(5);
    let start = seed_history(&pool, end).await;
    let mut rule = p95_rule("Shop slow");
    rule.for_secs = 0;
    let mut conn = pool.acquire().await.expect("conn");
    let (id, _) = store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved")
        .expect("row");
    let in_incident = start + Duration::minutes(50);
    run_cycle(&pool, &crate::helpers::audit_key(), in_incident)
        .await
        .expect("cycle");
    assert_eq!(status(&pool, id).await.expect("state").state, AlertState::Firing);

    // A new description is not a new condition: still firing, no new event.
    rule.description = "Checkout is slow".into();
    let (_, version) = store::save(&mut conn, Some(id), &rule, None)
        .await
        .expect("saved")
        .expect("row");
    assert_eq!(version, 2);
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), in_incident + Duration::seconds(15))
        .await
        .expect("cycle");
    assert!(cycle.transitions.is_empty(), "{:?}", cycle.transitions);
    assert_eq!(status(&pool, id).await.expect("state").state, AlertState::Firing);

    // A new threshold is: the rule starts over from normal (and fires again at once).
    rule.threshold = 400.0;
    store::save(&mut conn, Some(id), &rule, None).await.expect("saved");
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), in_incident + Duration::seconds(30))
        .await
        .expect("cycle");
    let to: Vec<_> = cycle.transitions.iter().map(|(_, t, _)| (t.from, t.to)).collect();
    assert_eq!(to, [(AlertState::Normal, AlertState::Firing)]);
    assert_eq!(store::versions(&mut conn, id).await.expect("versions").len(), 3);
}

async fn status(pool: &PgPool, id: i64) -> Option<app::alerts::rule::RuleStatus> {
    let mut conn = pool.acquire().await.expect("conn");
    store::get(&mut conn, id).await.expect("rule").expect("exists").state
}

/// Holders of the evaluator's advisory lock in this test's database (other
/// tests' instances hold it in theirs), by backend pid.
pub(crate) async fn lock_holders(pool: &PgPool) -> Vec<i32> {
    advisory_lock_holders(pool, opsdeck::workers::alerting::EVALUATOR_LOCK).await
}

/// The sessions holding the advisory lock `key` in the pool's database.
pub(crate) async fn advisory_lock_holders(pool: &PgPool, key: i64) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = $1",
    )
    .bind(key)
    .fetch_all(pool)
    .await
    .expect("pg_locks")
}

async fn wait_for_holder(pool: &PgPool, not: Option<i32>) -> i32 {
    for _ in 0..100 {
        let holders = lock_holders(pool).await;
        assert!(holders.len() <= 1, "more than one evaluator: {holders:?}");
        if let Some(pid) = holders.first().copied().filter(|pid| Some(*pid) != not) {
            return pid;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("no evaluator took the lock");
}

#[tokio::test]
async fn exactly_one_instance_evaluates_and_another_takes_over_when_it_stops() {
    let (_database, pool) = fresh_pool().await;
    let options = pool.connect_options().as_ref().clone();
    let first_pool = PgPool::connect_with(options.clone()).await.expect("pool");
    let second_pool = PgPool::connect_with(options).await.expect("pool");
    let mut rule = p95_rule("Always evaluated");
    rule.aggregation = Aggregation::Throughput;
    rule.threshold = 1_000_000.0;
    rule.recovery_threshold = None;
    let mut conn = pool.acquire().await.expect("conn");
    let (id, _) = store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved")
        .expect("row");

    let every = StdDuration::from_millis(300);
    let first = opsdeck::workers::alerting::spawn(first_pool, crate::helpers::audit_key(), every, None);
    let leader = wait_for_holder(&pool, None).await;
    let second = opsdeck::workers::alerting::spawn(second_pool, crate::helpers::audit_key(), every, None);
    for _ in 0..10 {
        assert_eq!(lock_holders(&pool).await, [leader], "the first instance keeps leading");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert!(
        status(&pool, id).await.map(|s| s.evaluated_at).is_some(),
        "the leader evaluates"
    );

    drop(first);
    let successor = wait_for_holder(&pool, Some(leader)).await;
    assert_ne!(successor, leader);
    let before = status(&pool, id).await.map(|s| s.evaluated_at);
    tokio::time::sleep(StdDuration::from_millis(900)).await;
    assert!(
        status(&pool, id).await.map(|s| s.evaluated_at) > before,
        "the successor evaluates"
    );
    drop(second);
}

/// Measures one evaluator cycle over 1,000 enabled rules and a 7-day
/// backtest, on 7 days of stored traffic (4 services × 5 endpoints, 3
/// requests per endpoint and minute). A measurement, not a check: run
/// `cargo nextest run -p server --run-ignored only -E 'test(alert_timing)' --no-capture`.
#[tokio::test]
#[ignore = "a measurement; run on demand"]
async fn alert_timing() {
    let (_database, pool) = fresh_pool().await;
    let end = whole_minute(Utc::now());
    let start = end - Duration::days(7);
    let seeding = std::time::Instant::now();
    let mut requests = Vec::new();
    for minute in 0..7 * 24 * 60 {
        for service in 0..4 {
            for endpoint in 0..5 {
                for i in 0..3 {
                    requests.push(RequestEvent {
                        service: format!("svc-{service}"),
                        endpoint: format!("/e{endpoint}"),
                        method: "GET".into(),
                        status: if (minute + i) % 40 == 0 { 500 } else { 200 },
                        duration_ms: 20.0 + ((minute * 7 + i * 13) % 200) as f64,
                        ts: start + Duration::minutes(minute) + Duration::seconds(i * 15),
                    });
                }
            }
        }
        if requests.len() >= 50_000 {
            store_requests(&pool, std::mem::take(&mut requests)).await;
        }
    }
    store_requests(&pool, requests).await;
    println!(
        "seeded 7 days (1,209,600 requests) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut conn = pool.acquire().await.expect("conn");
    let aggregations = [
        Aggregation::P95,
        Aggregation::ErrorRate,
        Aggregation::Throughput,
        Aggregation::AvgLatency,
    ];
    // Every rule notifies a channel, so a cycle writes its outbox rows too
    // (no dispatcher runs here: nothing is sent).
    let channel = app::alerts::notify::ChannelDraft {
        name: "ops".into(),
        kind: app::alerts::notify::ChannelKind::Webhook,
        url: "http://127.0.0.1:9/hook".into(),
        repeat_minutes: 240,
        enabled: true,
    };
    app::alerts::ssr::channels::create(
        &mut conn,
        &crate::helpers::test_keys(),
        &channel,
        "whsec_timing_test_secret_0123456789abcdef",
    )
    .await
    .expect("channel");
    for n in 0..1000 {
        let mut rule = p95_rule(&format!("rule {n}"));
        rule.channels = vec!["ops".into()];
        // Half fire at once (and write their notifications), half go pending first.
        rule.for_secs = if n % 2 == 0 { 0 } else { 60 };
        rule.service = format!("svc-{}", n % 4);
        rule.endpoint = (n % 2 == 0).then(|| format!("/e{}", n % 5));
        rule.aggregation = aggregations[n % 4];
        rule.window_secs = 60 * (1 + (n % 5) as i64);
        rule.threshold = 100.0 + (n % 100) as f64;
        rule.recovery_threshold = None;
        store::save(&mut conn, None, &rule, None).await.expect("saved");
    }
    for round in 0..3 {
        let started = std::time::Instant::now();
        let cycle = run_cycle(&pool, &crate::helpers::audit_key(), Utc::now())
            .await
            .expect("cycle");
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_outbox")
            .fetch_one(&pool)
            .await
            .expect("outbox");
        println!(
            "cycle {round}: {} rules evaluated, {} transitions, {queued} notifications queued in all, in {:.0} ms",
            cycle.rules,
            cycle.transitions.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let mut rule = p95_rule("backtest");
    rule.service = "svc-0".into();
    rule.threshold = 200.0;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let result = backtest(&mut conn, &rule.condition(), start, end, Duration::seconds(15))
            .await
            .expect("backtest");
        println!(
            "7-day backtest: {} evaluations, {} transitions, in {:.0} ms",
            result.evaluations,
            result.transitions.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
