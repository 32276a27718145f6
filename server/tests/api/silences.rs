//! Alert silences: one created on the page silences its rule's events (the
//! event names it), an ended or expired one does not, the "end when
//! resolved" option ends it once its alert resolves (and not before), field
//! errors with and without JavaScript, and who may do what.

use std::collections::BTreeMap;

use app::alerts::rule::RuleDraft;
use app::alerts::silence::SilenceDraft;
use app::alerts::ssr::evaluate::run_cycle;
use app::alerts::ssr::{silences, store};
use app::alerts::{AlertState, Severity, SilenceEnd};
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgPool;

use crate::helpers::{Browser, TestApp, fresh_pool, p95_rule, store_requests};

fn rule(name: &str, severity: Severity, team: &str) -> RuleDraft {
    RuleDraft {
        for_secs: 0,
        severity,
        labels: BTreeMap::from([("team".to_string(), team.to_string())]),
        ..p95_rule(name)
    }
}

/// `shop` traffic for the `minutes` before `end`: 10 requests a minute, slow
/// (700 ms) in the minutes `slow` says, else fast (40 ms).
async fn seed(pool: &PgPool, end: DateTime<Utc>, minutes: i64, slow: impl Fn(i64) -> bool) {
    let mut requests = Vec::new();
    for minute in 0..minutes {
        for i in 0..10 {
            requests.push(RequestEvent {
                service: "shop".into(),
                endpoint: "/cart".into(),
                method: "GET".into(),
                status: 200,
                duration_ms: if slow(minute) {
                    700.0 + i as f64
                } else {
                    40.0 + i as f64
                },
                ts: end - Duration::minutes(minutes - minute) + Duration::seconds(i * 5),
            });
        }
    }
    store_requests(pool, requests).await;
}

async fn save_rule(pool: &PgPool, draft: &RuleDraft) -> i64 {
    let mut conn = pool.acquire().await.expect("conn");
    store::save(&mut conn, None, draft, None)
        .await
        .expect("saved")
        .expect("row")
        .0
}

async fn create(browser: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let named: Vec<(String, &str)> = fields.iter().map(|(k, v)| (format!("silence[{k}]"), *v)).collect();
    let pairs: Vec<(&str, &str)> = named.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    browser.post_fn("/api/alerts/silence-create", &pairs).await
}

/// The silence ids of a rule's events, oldest first.
async fn event_silences(pool: &PgPool, rule_id: i64) -> Vec<(String, Option<i64>)> {
    sqlx::query_as("SELECT to_state, silence_id FROM alert_events WHERE rule_id = $1 ORDER BY id")
        .bind(rule_id)
        .fetch_all(pool)
        .await
        .expect("events")
}

/// What the Silences page's server function answers `browser`.
async fn silences_listing(browser: &Browser) -> serde_json::Value {
    browser
        .post_fn("/api/alerts/silences", &[])
        .await
        .json()
        .await
        .expect("json")
}

/// Posts the Silences page's form without JavaScript (rule "Typed rule",
/// comment "Typed comment", `duration`); answers where it was redirected to.
async fn create_without_js(browser: &Browser, duration: &str) -> String {
    let form = [
        ("silence[rule_name]", "Typed rule"),
        ("silence[duration]", duration),
        ("silence[comment]", "Typed comment"),
    ];
    browser
        .post_without_js("/api/alerts/silence-create", "/alerts/silences", &form)
        .await
}

#[tokio::test]
async fn a_silence_created_on_the_page_silences_its_rule_and_is_shown() {
    let app = TestApp::spawn().await;
    let (operator, user) = app.signed_in(Role::Operator).await;

    let response = create(
        &operator,
        &[
            ("rule_name", "Cart slow"),
            ("labels", "team=shop"),
            ("duration", "1h"),
            ("comment", "Deploying the cache fix"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let silence: i64 = response.json().await.expect("id");
    assert_eq!(
        app.audit_entries("alert_silence.create").await,
        vec![("success".into(), Some(user.email.clone()), Some(silence.to_string()))]
    );

    // Both rules fire (the app's own evaluator may get there first, so the
    // stored events are checked); only the matching one's names the silence.
    seed(&app.db, Utc::now(), 10, |_| true).await;
    let silenced_rule = save_rule(&app.db, &rule("Cart slow", Severity::Critical, "shop")).await;
    let other_rule = save_rule(&app.db, &rule("Cart slow too", Severity::Critical, "pay")).await;
    run_cycle(&app.db, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("cycle");
    assert_eq!(
        event_silences(&app.db, silenced_rule).await,
        [("firing".to_string(), Some(silence))]
    );
    assert_eq!(
        event_silences(&app.db, other_rule).await,
        [("firing".to_string(), None)]
    );

    // The Alerts page marks the silenced alert and its event; the other one
    // offers a "Silence" link to editors.
    let page = operator.get("/alerts").await.text().await.expect("page");
    assert_eq!(page.matches(r#"data-testid="silenced""#).count(), 1, "one silenced row");
    assert!(page.contains(">Silenced</a>"));
    assert!(page.contains(r#"data-testid="event-silenced""#));
    assert!(
        page.contains("/alerts/silences?rule=Cart%20slow%20too"),
        "a Silence link"
    );

    // The Silences page lists it with its creator and what it matched.
    let page = operator.get("/alerts/silences").await.text().await.expect("page");
    assert!(page.contains(r#"data-testid="active-silences""#));
    assert!(page.contains(&user.email) && page.contains("Deploying the cache fix"));
    let listing = silences_listing(&operator).await;
    assert_eq!(listing["active"][0]["id"], silence);
    assert_eq!(listing["active"][0]["matched"], serde_json::json!(["Cart slow"]));
    assert_eq!(listing["can_edit"], true);
}

#[tokio::test]
async fn an_ended_or_expired_silence_no_longer_applies() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let (operator, user) = app.signed_in(Role::Operator).await;
    let response = create(
        &operator,
        &[("severity", "warning"), ("duration", "2h"), ("comment", "Noisy")],
    )
    .await;
    let silence: i64 = response.json().await.expect("id");

    let ended = operator
        .post_fn("/api/alerts/silence-end", &[("id", &silence.to_string())])
        .await;
    assert_eq!(ended.status().as_u16(), 200);
    assert_eq!(
        app.audit_entries("alert_silence.end").await,
        vec![("success".into(), Some(user.email.clone()), Some(silence.to_string()))]
    );
    let again = operator
        .post_fn("/api/alerts/silence-end", &[("id", &silence.to_string())])
        .await;
    assert_eq!(again.status().as_u16(), 409, "already over");

    // One that expired an hour ago, written directly.
    let mut conn = app.db.acquire().await.expect("conn");
    let expired = SilenceDraft {
        rule_name: Some("Cart slow".into()),
        severity: None,
        labels: BTreeMap::new(),
        starts_at: now - Duration::hours(3),
        ends_at: now - Duration::hours(1),
        comment: "Last night's maintenance".into(),
        end_when_resolved: false,
    };
    silences::create(&mut conn, &expired, None).await.expect("created");
    assert!(
        silences::active(&mut conn, Utc::now())
            .await
            .expect("active")
            .is_empty()
    );

    // The rule fires unsilenced (whichever evaluator gets there first).
    seed(&app.db, Utc::now(), 10, |_| true).await;
    let id = save_rule(&app.db, &rule("Cart slow", Severity::Warning, "shop")).await;
    run_cycle(&app.db, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("cycle");
    assert_eq!(event_silences(&app.db, id).await, [("firing".to_string(), None)]);

    // Both are listed as over: ended by the operator, and expired.
    let listing = silences_listing(&operator).await;
    assert_eq!(listing["active"], serde_json::json!([]));
    assert_eq!(listing["ended"].as_array().map(Vec::len), Some(2));
    let page = operator.get("/alerts/silences").await.text().await.expect("page");
    assert!(page.contains(&format!("ended by {}", user.email)) && page.contains("expired"));
    assert!(page.contains(r#"data-testid="no-active-silences""#));
}

#[tokio::test]
async fn a_silence_that_asked_to_ends_when_its_alert_resolves_and_not_before() {
    let (_database, pool) = fresh_pool().await;
    let end = Utc::now().duration_trunc(Duration::minutes(1)).expect("minute") - Duration::minutes(5);
    // An hour of traffic, slow in minutes 20–29.
    seed(&pool, end, 60, |m| (20..30).contains(&m)).await;
    let start = end - Duration::minutes(60);
    let id = save_rule(&pool, &rule("Cart slow", Severity::Critical, "shop")).await;
    let mut conn = pool.acquire().await.expect("conn");
    let draft = SilenceDraft {
        rule_name: None,
        severity: None,
        labels: BTreeMap::from([("team".to_string(), "shop".to_string())]),
        starts_at: start,
        ends_at: Utc::now() + Duration::hours(1),
        comment: "Until the incident is over".into(),
        end_when_resolved: true,
    };
    let silence = silences::create(&mut conn, &draft, None).await.expect("created");
    let state = || async {
        silences::get(&mut pool.acquire().await.expect("conn"), silence)
            .await
            .expect("get")
            .expect("exists")
    };

    // Before the incident: nothing matched yet, so nothing ends.
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), start + Duration::minutes(15))
        .await
        .expect("cycle");
    assert!(cycle.silences_ended.is_empty());
    assert!(state().await.ended_at.is_none());

    // Firing (silenced): matched, still in force.
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), start + Duration::minutes(25))
        .await
        .expect("cycle");
    let fired: Vec<_> = cycle.transitions.iter().map(|(r, t, s)| (*r, t.to, *s)).collect();
    assert_eq!(fired, [(id, AlertState::Firing, Some(silence))]);
    assert!(cycle.silences_ended.is_empty());
    let now = state().await;
    assert!(now.ended_at.is_none());
    assert_eq!(now.matched, ["Cart slow"]);

    // Resolved: the resolution is still silenced, then the silence ends itself.
    let resolved_at = start + Duration::minutes(35);
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), resolved_at)
        .await
        .expect("cycle");
    let fired: Vec<_> = cycle.transitions.iter().map(|(r, t, s)| (*r, t.to, *s)).collect();
    assert_eq!(fired, [(id, AlertState::Resolved, Some(silence))]);
    assert_eq!(cycle.silences_ended, [silence]);
    let over = state().await;
    assert_eq!(
        (over.ended_at, over.end_reason, over.ended_by.clone()),
        (Some(resolved_at), Some(SilenceEnd::Resolved), None)
    );
    assert!(!over.is_active(Utc::now()));
    assert!(
        silences::active(&mut conn, Utc::now())
            .await
            .expect("active")
            .is_empty()
    );
    // Audited as Opsdeck's own change, in the same transaction as the end.
    let (actor, target, after): (Option<String>, Option<String>, serde_json::Value) =
        sqlx::query_as("SELECT actor_email, target_id, after FROM audit_log WHERE action = 'alert_silence.end'")
            .fetch_one(&mut *conn)
            .await
            .expect("one entry");
    assert_eq!((actor.as_deref(), target), (Some("Opsdeck"), Some(silence.to_string())));
    assert_eq!(after["end_reason"], "resolved");
    let chain = app::audit::ssr::verify_chain(&mut conn, &crate::helpers::audit_key()).await;
    assert!(matches!(chain, Ok(app::audit::ChainReport::Intact { .. })), "{chain:?}");
}

#[tokio::test]
async fn a_bad_field_is_named_and_without_javascript_the_typed_form_comes_back() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let response = create(&operator, &[("rule_name", "Cart slow"), ("duration", "2h")]).await;
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "comment", "{body}");
    let response = create(&operator, &[("duration", "2h"), ("comment", "Anything")]).await;
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "matchers", "{body}");
    let response = create(
        &operator,
        &[("rule_name", "Cart slow"), ("duration", "45d"), ("comment", "Long")],
    )
    .await;
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "duration", "{body}");

    // A plain form post (no JavaScript) lands back on the form with every field.
    let location = create_without_js(&operator, "soon").await;
    assert!(location.starts_with("/alerts/silences?"), "{location}");
    assert!(location.contains("error_field=duration"), "{location}");
    let page = operator.get(&location).await.text().await.expect("page");
    assert!(
        page.contains("Typed rule") && page.contains("Typed comment"),
        "typed values kept"
    );
    assert!(page.contains("Write a duration such as"), "the message is shown");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_silences")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 0);

    // A good plain post goes to the page, which lists it.
    let location = create_without_js(&operator, "30m").await;
    assert!(location.starts_with("/alerts/silences?created="), "{location}");
    let page = operator.get(&location).await.text().await.expect("page");
    assert!(page.contains("Silence created."), "{page}");
}

#[tokio::test]
async fn viewers_are_refused_and_managers_list_but_do_not_change() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let silence: i64 = create(
        &operator,
        &[("severity", "info"), ("duration", "1h"), ("comment", "Quiet")],
    )
    .await
    .json()
    .await
    .expect("id");

    let (viewer, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.post_fn("/api/alerts/silences", &[]).await.status().as_u16(), 403);
    assert_eq!(viewer.get("/alerts/silences").await.status().as_u16(), 403);

    let (manager, _) = app.signed_in(Role::Manager).await;
    let listing = manager.post_fn("/api/alerts/silences", &[]).await;
    assert_eq!(listing.status().as_u16(), 200);
    let listing: serde_json::Value = listing.json().await.expect("json");
    assert_eq!(listing["active"][0]["id"], silence);
    assert_eq!(listing["can_edit"], false);
    let page = manager.get("/alerts/silences").await.text().await.expect("page");
    assert!(page.contains("Quiet"));
    assert!(!page.contains(r#"data-testid="silence-form""#), "no form for managers");
    assert!(!page.contains("End silence"), "no end button for managers");
    let refused = create(
        &manager,
        &[("severity", "info"), ("duration", "1h"), ("comment", "Mine")],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 403);
    let refused = manager
        .post_fn("/api/alerts/silence-end", &[("id", &silence.to_string())])
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_silences WHERE ended_at IS NULL")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(still, 1);
}
