//! Burn-rate rules generated from an SLO, in the alert engine: a backtest
//! reproducing the SRE Workbook's example (2 % of a 30-day budget burnt in
//! one hour fires the 14.4× page), the live evaluator agreeing, and the
//! rules created, moved and deleted with their SLO, audited.

use app::alerts::ssr::evaluate::{backtest, run_cycle};
use app::alerts::ssr::store as rules;
use app::alerts::{Aggregation, AlertState};
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use app::slo::ssr::{burn_rules, store};
use app::slo::{SloDraft, SloKind, SloWindow};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;

use crate::helpers::{TestApp, fresh_pool, store_requests};

/// Four hours of `pay` from `start`, 125 requests a minute. In the third
/// hour 9 of every 625 fail (2, 2, 2, 2, 1 per five minutes): 1.44 %, a
/// burn rate of exactly 14.4 against 99.9 % over any 5 minutes or hour in it.
async fn seed(pool: &PgPool, start: DateTime<Utc>) {
    let mut requests = Vec::new();
    for minute in 0..240i64 {
        let failing = match minute {
            120..180 if minute % 5 == 4 => 1,
            120..180 => 2,
            _ => 0,
        };
        for i in 0..125 {
            requests.push(RequestEvent {
                service: "pay".into(),
                endpoint: "/charge".into(),
                method: "POST".into(),
                status: if i < failing { 503 } else { 200 },
                duration_ms: 30.0,
                ts: start + Duration::minutes(minute) + Duration::milliseconds(i * 400),
            });
        }
    }
    store_requests(pool, requests).await;
}

fn availability() -> SloDraft {
    SloDraft {
        name: "Pay availability".into(),
        description: String::new(),
        service: "pay".into(),
        endpoint: None,
        kind: SloKind::Availability,
        good_statuses: None,
        threshold_ms: None,
        objective: 99.9,
        window: SloWindow::Rolling30,
    }
}

#[tokio::test]
async fn a_two_percent_budget_burn_in_one_hour_fires_the_page_and_the_evaluator_agrees() {
    let (_database, pool) = fresh_pool().await;
    let start = Utc::now().duration_trunc(Duration::hours(1)).expect("hour") - Duration::hours(5);
    seed(&pool, start).await;
    let mut conn = pool.acquire().await.expect("connection");
    let slo = availability();
    let (slo_id, _) = store::save(&mut conn, None, &slo, None)
        .await
        .expect("saved")
        .expect("new");
    let mut ids = Vec::new();
    for draft in burn_rules::drafts(slo_id, &slo) {
        ids.push(
            rules::save(&mut conn, None, &draft, None)
                .await
                .expect("saved")
                .expect("new")
                .0,
        );
    }
    let (page, slow_page, ticket) = (ids[0], ids[1], ids[2]);

    let page_rule = rules::get(&mut conn, page).await.expect("read").expect("rule");
    assert_eq!(page_rule.draft.aggregation, Aggregation::SloBurnRate);
    let every = Duration::minutes(1);
    let (from, to) = (start + Duration::hours(1), start + Duration::hours(4));
    let replay = backtest(&mut conn, &page_rule.draft.condition(), from, to, every)
        .await
        .expect("backtest");
    let episodes: Vec<_> = replay.episodes.iter().map(|e| (e.fired_at, e.resolved_at)).collect();
    // Fires once the hour is all incident (14.4× over 1 h and 5 min), and
    // resolves a minute later, when the hour holds a minute without errors.
    assert_eq!(
        episodes,
        vec![(start + Duration::minutes(180), Some(start + Duration::minutes(181)))],
        "{:?}",
        replay.transitions
    );

    // 6× over 6 h: the 6 hours hold 108 bad of 22 500 (4.8×): never.
    let slow = rules::get(&mut conn, slow_page).await.expect("read").expect("rule");
    let replay = backtest(&mut conn, &slow.draft.condition(), from, to, every)
        .await
        .expect("backtest");
    assert!(replay.episodes.is_empty(), "{:?}", replay.transitions);
    // 1× over 3 days and 6 h: the ticket fires during the incident.
    let ticket_rule = rules::get(&mut conn, ticket).await.expect("read").expect("rule");
    let replay = backtest(&mut conn, &ticket_rule.draft.condition(), from, to, every)
        .await
        .expect("backtest");
    assert!(!replay.episodes.is_empty());

    // The live evaluator, at the same instant, agrees.
    run_cycle(&pool, &crate::helpers::audit_key(), start + Duration::minutes(179))
        .await
        .expect("cycle");
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), start + Duration::minutes(180))
        .await
        .expect("cycle");
    let fired: Vec<i64> = cycle
        .transitions
        .iter()
        .filter(|(_, t, _)| t.to == AlertState::Firing)
        .map(|(id, _, _)| *id)
        .collect();
    assert!(fired.contains(&page) && !fired.contains(&slow_page), "{fired:?}");
    let state = rules::get(&mut conn, page)
        .await
        .expect("read")
        .expect("rule")
        .state
        .expect("evaluated");
    assert_eq!(state.state, AlertState::Firing);
    assert_eq!(state.value, Some(14.4));
}

#[tokio::test]
async fn an_slos_rules_come_and_go_with_it_audited() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let form = [
        ("slo[name]", "Pay"),
        ("slo[service]", "pay"),
        ("slo[kind]", "latency"),
        ("slo[threshold_ms]", "300"),
        ("slo[objective]", "99"),
        ("slo[window]", "28d"),
    ];
    let id: i64 = admin.post_fn("/api/slos/save", &form).await.json().await.expect("id");
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM alert_rules WHERE aggregation = 'slo_burn_rate'")
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    assert_eq!(count().await, 3);
    assert_eq!(app.audit_entries("alert_rule.create").await.len(), 3);
    let (status, detail) = {
        let response = admin.post_fn("/api/slos/get", &[("id", &id.to_string())]).await;
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().await.expect("json"),
        )
    };
    assert_eq!(status, 200);
    assert_eq!(detail["alerts"].as_array().map(Vec::len), Some(3));
    // An update keeps the rules (their factors may have been edited) and
    // moves them to the SLO's new service and name.
    let mut update = form.to_vec();
    let id_text = id.to_string();
    update.push(("id", &id_text));
    update[0] = ("slo[name]", "Payments");
    update[1] = ("slo[service]", "payments");
    update[4] = ("slo[objective]", "99.5");
    assert_eq!(admin.post_fn("/api/slos/save", &update).await.status().as_u16(), 200);
    assert_eq!(count().await, 3);
    let moved: Vec<(String, String, f64, Option<String>)> = sqlx::query_as(
        "SELECT name, service, threshold, labels ->> 'slo' FROM alert_rules \
         WHERE aggregation = 'slo_burn_rate' ORDER BY threshold DESC",
    )
    .fetch_all(&app.db)
    .await
    .expect("rules");
    println!("{moved:?}");
    assert!(
        moved
            .iter()
            .all(|(name, service, _, label)| name.starts_with("Payments burn rate (")
                && service == "payments"
                && label.as_deref() == Some("Payments")),
        "{moved:?}"
    );
    let factors: Vec<f64> = moved.iter().map(|rule| rule.2).collect();
    assert_eq!(factors, vec![14.4, 6.0, 1.0]);
    assert_eq!(app.audit_entries("alert_rule.update").await.len(), 3);
    assert_eq!(
        admin
            .post_fn("/api/slos/delete", &[("id", &id_text)])
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(count().await, 0);
    assert_eq!(app.audit_entries("alert_rule.delete").await.len(), 3);
}
