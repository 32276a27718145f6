//! Alert rules on errors end to end: events sent as a Sentry SDK sends
//! them, rules saved through the editor's server function, the evaluator
//! firing them with a notification that leads to the issue (or to the
//! Errors page of what the rule counts), and a backtest over past events.

use app::alerts::AlertState;
use app::alerts::ssr::evaluate::run_cycle;
use app::alerts::ssr::outbox;
use app::alerts::ssr::series::evaluation_time;
use app::auth::permissions::Role;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::alert_pages::post;
use crate::errors_ingest::{exception_event, send_events};
use crate::helpers::{Browser, TestApp};

/// Sends `events` (`(function, value, seconds ago)`: one issue per
/// function) to `service`'s project as one envelope; answers when stored.
pub async fn send(app: &TestApp, service: &str, events: &[(&str, &str, i64)]) {
    let events: Vec<Value> = events
        .iter()
        .map(|(function, value, ago)| {
            let mut event = exception_event(function, 10, value, "u1");
            let at = Utc::now() - Duration::seconds(*ago);
            event["timestamp"] = Value::from(at.timestamp_millis() as f64 / 1000.0);
            event
        })
        .collect();
    send_events(app, service, &events).await;
}

/// An error rule's editor fields, firing at once when its count is `> threshold`.
fn error_rule(
    name: &str,
    service: &str,
    aggregation: &str,
    issue: &str,
    minutes: &str,
    threshold: &str,
) -> Vec<(String, String)> {
    [
        ("name", name),
        ("service", service),
        ("aggregation", aggregation),
        ("error_issue", issue),
        ("window_minutes", minutes),
        ("comparator", ">"),
        ("threshold", threshold),
        ("for_minutes", "0"),
        ("no_data", "keep"),
        ("severity", "warning"),
        ("channels", "ops"),
        ("enabled", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("rule[{k}]"), v.to_string()))
    .collect()
}

async fn save(browser: &Browser, fields: &[(String, String)]) -> i64 {
    let response = post(browser, "/api/alerts/save", fields).await;
    assert_eq!(response.status().as_u16(), 200, "{:?}", response.text().await);
    response.json().await.expect("the rule's id")
}

async fn issue_of(app: &TestApp, function: &str) -> i64 {
    sqlx::query_scalar("SELECT issue_id FROM error_events WHERE culprit LIKE '%' || $1 || '%' LIMIT 1")
        .bind(function)
        .fetch_one(&app.db)
        .await
        .expect("an issue")
}

/// `(state, value)` of each rule after one evaluation at `at`.
async fn evaluated(app: &TestApp, ids: &[i64], at: DateTime<Utc>) -> Vec<(String, Option<f64>)> {
    run_cycle(&app.db, &crate::helpers::audit_key(), at)
        .await
        .expect("cycle");
    let mut states = Vec::new();
    for id in ids {
        let state = sqlx::query_as("SELECT state, value FROM alert_states WHERE rule_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("a state");
        states.push(state);
    }
    states
}

/// What rule `id`'s one notification (of its firing) leads to.
async fn about(app: &TestApp, id: i64) -> Option<String> {
    let mut conn = app.db.acquire().await.expect("conn");
    let written = outbox::deliveries(&mut conn, Some(id), None, 10)
        .await
        .expect("deliveries");
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].notification.state, AlertState::Firing);
    written[0].notification.about.clone()
}

#[tokio::test]
async fn error_rules_count_events_of_a_service_or_an_issue_and_lead_to_them() {
    let app = TestApp::spawn().await;
    crate::log_alerts::ops_channel(&app).await;
    send(
        &app,
        "checkout",
        &[
            ("addToCart", "cart 1 is gone", 100),
            ("addToCart", "cart 2 is gone", 80),
            ("addToCart", "cart 3 is gone", 60),
            ("payOrder", "card declined", 50),
            // Outside a 5-minute window.
            ("payOrder", "card declined", 900),
        ],
    )
    .await;
    send(&app, "billing", &[("invoice", "no address", 30)]).await;
    let cart = issue_of(&app, "addToCart").await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let service = save(
        &operator,
        &error_rule("Checkout errors", "checkout", "error_events", "", "5", "3"),
    )
    .await;
    let one = save(
        &operator,
        &error_rule("Cart errors", "checkout", "error_events", &format!("#{cart}"), "5", "2"),
    )
    .await;
    let quiet = save(
        &operator,
        &error_rule("Billing errors", "billing", "error_events", "", "5", "1"),
    )
    .await;

    let states = evaluated(&app, &[service, one, quiet], evaluation_time()).await;
    assert_eq!(
        states,
        [
            ("firing".to_string(), Some(4.0)),
            ("firing".to_string(), Some(3.0)),
            ("normal".to_string(), Some(1.0)),
        ]
    );
    // The notifications lead to what fired: the issue, or the service's errors.
    assert_eq!(
        about(&app, one).await.as_deref(),
        Some(format!("/errors/issues/{cart}").as_str())
    );
    assert_eq!(
        about(&app, service).await.as_deref(),
        Some("/errors?service=checkout&sort=events")
    );

    // The rule page's events link to the issue, for readers of errors only.
    let html = operator
        .get(&format!("/alerts/rules/{one}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains(&format!("href=\"/errors/issues/{cart}\"")),
        "a link to the issue"
    );
    assert!(html.contains(&format!("value=\"{cart}\"")), "the issue in its field");
    let (manager, _) = app.signed_in(Role::Manager).await;
    let html = manager
        .get(&format!("/alerts/rules/{one}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        !html.contains("href=\"/errors/issues/"),
        "no link a manager would be refused"
    );
}

#[tokio::test]
async fn a_new_issue_rule_fires_when_an_issue_first_appears_and_backtests_over_the_past() {
    let app = TestApp::spawn().await;
    crate::log_alerts::ops_channel(&app).await;
    // One issue seen all along (first 50 minutes ago), a second first seen 20 minutes ago.
    send(
        &app,
        "checkout",
        &[
            ("addToCart", "cart gone", 3000),
            ("addToCart", "cart gone", 1200),
            ("addToCart", "cart gone", 30),
            ("payOrder", "card declined", 1200),
            ("payOrder", "card declined", 600),
        ],
    )
    .await;
    let (support, _) = app.signed_in(Role::Support).await;
    let mut fields = error_rule("New checkout issue", "checkout", "new_error_issues", "", "5", "0");
    fields.extend([("hours".into(), "1".into()), ("backtest".into(), "true".into())]);
    let response = post(&support, "/api/alerts/preview", &fields).await;
    assert_eq!(response.status().as_u16(), 200);
    let preview: Value = response.json().await.expect("json");
    let episodes = preview["backtest"]["episodes"].as_array().expect("episodes");
    assert_eq!(episodes.len(), 2, "one per new issue: {preview}");
    let fired: Vec<i64> = episodes
        .iter()
        .map(|e| {
            let at: DateTime<Utc> = e["fired_at"].as_str().expect("fired").parse().expect("time");
            (Utc::now() - at).num_minutes()
        })
        .collect();
    assert!((48..=51).contains(&fired[0]), "first issue {fired:?} min ago");
    assert!((18..=21).contains(&fired[1]), "second issue {fired:?} min ago");

    // Live: nothing new in the last 5 minutes; a new issue now makes it fire.
    let (operator, _) = app.signed_in(Role::Operator).await;
    let id = save(
        &operator,
        &error_rule("New checkout issue", "checkout", "new_error_issues", "", "5", "0"),
    )
    .await;
    assert_eq!(
        evaluated(&app, &[id], evaluation_time()).await,
        [("normal".to_string(), Some(0.0))]
    );
    send(&app, "checkout", &[("shipOrder", "no courier", 1)]).await;
    assert_eq!(
        evaluated(&app, &[id], evaluation_time()).await,
        [("firing".to_string(), Some(1.0))]
    );
    assert_eq!(
        about(&app, id).await.as_deref(),
        Some("/errors?service=checkout&sort=first_seen")
    );
}
