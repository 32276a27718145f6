//! Log-based alert rules end to end: lines ingested through the NDJSON door,
//! a rule saved through the editor's server function, the evaluator firing
//! it (with its notification written, as for any rule), a heartbeat rule
//! (`< 1`) firing when its line stops (silenced, as any rule is), a backtest
//! over past lines, and who may preview one.

use std::collections::BTreeMap;

use app::alerts::notify::{ChannelDraft, ChannelKind};
use app::alerts::silence::SilenceDraft;
use app::alerts::ssr::evaluate::run_cycle;
use app::alerts::ssr::series::evaluation_time;
use app::alerts::ssr::{channels, outbox, silences};
use app::alerts::{AlertState, Severity};
use app::auth::permissions::Role;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::alert_pages::post;
use crate::helpers::{Browser, TestApp, closed_port};
use crate::ingest::insert_key;

/// `(service, level, message, seconds ago)` lines sent as NDJSON with a
/// `logs` key; answers when they are committed.
async fn ingest(app: &TestApp, lines: &[(&str, &str, &str, i64)]) {
    let key = insert_key(app, &["logs"]).await.1;
    let now = Utc::now();
    let body: String = lines
        .iter()
        .map(|(service, level, message, ago)| {
            let ts = (now - Duration::seconds(*ago)).to_rfc3339();
            format!(
                "{}\n",
                json!({ "ts": ts, "service": service, "level": level, "message": message })
            )
        })
        .collect();
    let response = app
        .client
        .post(format!("{}/api/v1/logs", app.address))
        .bearer_auth(key)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 202, "{:?}", response.text().await);
}

/// A log rule's editor fields: `query` over `minutes`, firing at once when
/// the count is `comparator threshold`.
fn log_rule(
    name: &str,
    service: &str,
    query: &str,
    minutes: &str,
    comparator: &str,
    threshold: &str,
) -> Vec<(String, String)> {
    [
        ("name", name),
        ("service", service),
        ("aggregation", "log_lines"),
        ("log_query", query),
        ("window_minutes", minutes),
        ("comparator", comparator),
        ("threshold", threshold),
        ("for_minutes", "0"),
        ("no_data", "keep"),
        ("severity", "critical"),
        ("channels", "ops"),
        ("enabled", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("rule[{k}]"), v.to_string()))
    .collect()
}

async fn save(browser: &Browser, fields: &[(String, String)]) -> i64 {
    let response = post(browser, "/api/alerts/save", fields).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("the rule's id")
}

/// A webhook channel named `ops` (its deliveries are only written here).
pub async fn ops_channel(app: &TestApp) {
    let mut conn = app.db.acquire().await.expect("conn");
    let draft = ChannelDraft {
        name: "ops".into(),
        kind: ChannelKind::Webhook,
        url: format!("http://127.0.0.1:{}/hook", closed_port()),
        repeat_minutes: 0,
        enabled: true,
    };
    channels::create(
        &mut conn,
        &crate::helpers::test_keys(),
        &draft,
        "whsec_log_alerts_0123456789abcdef0123456789",
    )
    .await
    .expect("channel");
}

/// `(state, value)` of rule `id` now.
async fn state(app: &TestApp, id: i64) -> (String, Option<f64>) {
    sqlx::query_as("SELECT state, value FROM alert_states WHERE rule_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("a state")
}

async fn transitions_of(app: &TestApp, id: i64, at: DateTime<Utc>) -> Vec<(AlertState, Option<i64>)> {
    let cycle = run_cycle(&app.db, &crate::helpers::audit_key(), at)
        .await
        .expect("cycle");
    cycle
        .transitions
        .into_iter()
        .filter(|(rule, _, _)| *rule == id)
        .map(|(_, t, silenced)| (t.to, silenced))
        .collect()
}

#[tokio::test]
async fn a_log_rule_counts_the_matching_lines_of_its_service_fires_and_notifies() {
    let app = TestApp::spawn().await;
    ops_channel(&app).await;
    ingest(
        &app,
        &[
            ("checkout", "error", "card declined for order 1", 100),
            ("checkout", "error", "Card Declined for order 2", 80),
            ("checkout", "error", "card declined for order 3", 60),
            ("checkout", "error", "card declined for order 4", 40),
            // Not counted: another level, another text, another service.
            ("checkout", "info", "card declined, retrying", 50),
            ("checkout", "error", "card accepted", 50),
            ("billing", "error", "card declined", 50),
        ],
    )
    .await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let query = r#""card declined" level>=error"#;
    let id = save(&operator, &log_rule("Declines", "checkout", query, "5", ">", "3")).await;

    let at = evaluation_time();
    assert_eq!(transitions_of(&app, id, at).await, [(AlertState::Firing, None)]);
    assert_eq!(state(&app, id).await, ("firing".to_string(), Some(4.0)));
    // Notified as any rule is: one outbox row for its channel.
    let mut conn = app.db.acquire().await.expect("conn");
    let written = outbox::deliveries(&mut conn, Some(id), None, 10)
        .await
        .expect("deliveries");
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].notification.state, AlertState::Firing);

    // Its event links to the lines it counted, around the time it fired.
    let html = operator
        .get(&format!("/alerts/rules/{id}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains("href=\"/logs?q=service%3Acheckout%20%22card%20declined%22%20level%3E%3Derror&amp;range=custom"),
        "a link to the counted lines"
    );
    assert!(
        html.contains("value=\"&quot;card declined&quot; level"),
        "the query in its field"
    );
}

#[tokio::test]
async fn a_heartbeat_rule_fires_when_its_line_stops_and_a_silence_keeps_it_quiet() {
    let app = TestApp::spawn().await;
    ops_channel(&app).await;
    ingest(&app, &[("cron", "info", "heartbeat ok", 30)]).await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let id = save(&operator, &log_rule("Cron stopped", "cron", "heartbeat", "2", "<", "1")).await;

    // While the line comes: one line in the window, nothing happens.
    let now = evaluation_time();
    assert!(transitions_of(&app, id, now).await.is_empty());
    assert_eq!(state(&app, id).await, ("normal".to_string(), Some(1.0)));

    // Three minutes on without a line: 0, not "no data", and below 1: it fires,
    // silenced by the silence in force then (an event, no notification).
    let mut conn = app.db.acquire().await.expect("conn");
    let silence = SilenceDraft {
        rule_name: Some("Cron stopped".into()),
        severity: Some(Severity::Critical),
        labels: BTreeMap::new(),
        starts_at: now,
        ends_at: now + Duration::hours(1),
        comment: "Cron host maintenance".into(),
        end_when_resolved: false,
    };
    let silence = silences::create(&mut conn, &silence, None).await.expect("silence");
    let later = now + Duration::minutes(3);
    assert_eq!(
        transitions_of(&app, id, later).await,
        [(AlertState::Firing, Some(silence))]
    );
    assert_eq!(state(&app, id).await, ("firing".to_string(), Some(0.0)));
    let written = outbox::deliveries(&mut conn, Some(id), None, 10)
        .await
        .expect("deliveries");
    assert!(written.is_empty(), "silenced: {written:?}");
}

#[tokio::test]
async fn a_backtest_runs_the_query_over_past_lines_and_only_log_readers_preview_it() {
    let app = TestApp::spawn().await;
    // Three timeouts a minute from 50 to 41 minutes ago, and a line a minute
    // that does not match all along.
    let mut lines = Vec::new();
    for minute in 0..60 {
        lines.push(("checkout", "info", "request served", minute * 60 + 5));
    }
    for minute in 41..51 {
        for second in [10, 20, 30] {
            lines.push(("checkout", "warn", "payment gateway timeout", minute * 60 + second));
        }
    }
    ingest(&app, &lines).await;
    let (support, _) = app.signed_in(Role::Support).await;
    let mut fields = log_rule("Timeouts", "checkout", "timeout -healthcheck", "5", ">", "9");
    fields.extend([("hours".into(), "1".into()), ("backtest".into(), "true".into())]);
    let response = post(&support, "/api/alerts/preview", &fields).await;
    assert_eq!(response.status().as_u16(), 200);
    let preview: serde_json::Value = response.json().await.expect("json");
    let values: Vec<f64> = preview["series"]
        .as_array()
        .expect("series")
        .iter()
        .filter_map(|point| point[1].as_f64())
        .collect();
    assert_eq!(
        values.iter().copied().fold(0.0, f64::max),
        15.0,
        "five minutes of three lines"
    );
    assert_eq!(values.last(), Some(&0.0), "no timeouts lately: 0, not no data");
    let episodes = preview["backtest"]["episodes"].as_array().expect("episodes");
    assert_eq!(episodes.len(), 1, "{preview}");
    let fired: DateTime<Utc> = episodes[0]["fired_at"].as_str().expect("fired").parse().expect("time");
    let resolved: DateTime<Utc> = episodes[0]["resolved_at"]
        .as_str()
        .expect("resolved")
        .parse()
        .expect("time");
    let ago = |t: DateTime<Utc>| (Utc::now() - t).num_minutes();
    assert!((44..=48).contains(&ago(fired)), "fired {} min ago", ago(fired));
    assert!((36..=42).contains(&ago(resolved)), "resolved {} min ago", ago(resolved));

    // A manager reads alerts but not logs: no counting lines through a preview.
    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(
        post(&manager, "/api/alerts/preview", &fields).await.status().as_u16(),
        403
    );
}
