//! The Alerts pages' server functions and pages: saving a rule (field
//! errors with and without JavaScript, audit), previewing and backtesting a
//! draft, acknowledging, and who may do what.

use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use chrono::{Duration, Utc};

use crate::helpers::{Browser, TestApp, store_requests};

fn rule_fields(name: &str, threshold: &str) -> Vec<(String, String)> {
    [
        ("name", name),
        ("service", "shop"),
        ("aggregation", "p95"),
        ("window_minutes", "2"),
        ("comparator", ">"),
        ("threshold", threshold),
        ("recovery_threshold", "150"),
        ("for_minutes", "1"),
        ("no_data", "keep"),
        ("severity", "critical"),
        ("labels", "team=shop"),
        ("summary", "P95 {{value}} ms"),
        ("enabled", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("rule[{k}]"), v.to_string()))
    .collect()
}

/// Posts `fields` to the server function at `path`, as the editor's form does.
pub async fn post(browser: &Browser, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_fn(path, &pairs).await
}

/// An hour of `shop` traffic with a slow stretch 40–20 minutes ago.
async fn seed(app: &TestApp) {
    let now = Utc::now();
    let mut requests = Vec::new();
    for minute in 0..60 {
        for i in 0..10 {
            let slow = (20..40).contains(&minute);
            requests.push(RequestEvent {
                service: "shop".into(),
                endpoint: "/cart".into(),
                method: "GET".into(),
                status: 200,
                duration_ms: if slow { 700.0 + i as f64 } else { 40.0 + i as f64 },
                ts: now - Duration::minutes(60 - minute) + Duration::seconds(i * 5),
            });
        }
    }
    store_requests(&app.db, requests).await;
}

#[tokio::test]
async fn an_operator_saves_a_rule_and_the_change_is_audited_and_versioned() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let response = post(&operator, "/api/alerts/save", &rule_fields("Shop slow", "300")).await;
    assert_eq!(response.status().as_u16(), 200);
    let id: i64 = response.json().await.expect("id");
    assert!(id > 0);
    let audited = app.audit_entries("alert_rule.create").await;
    assert_eq!(audited.len(), 1);

    // Update: a new version, the old one kept.
    let mut fields = rule_fields("Shop slow", "350");
    fields.push(("id".into(), id.to_string()));
    assert_eq!(
        post(&operator, "/api/alerts/save", &fields).await.status().as_u16(),
        200
    );
    let page = operator
        .get(&format!("/alerts/rules/{id}?a=1&b=2"))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains(r#"data-testid="rule-versions""#));
    assert!(
        page.contains(r#"data-testid="version-diff""#),
        "the two versions are compared"
    );
    assert!(page.contains("350"));

    // A duplicate name is a conflict, not an error page.
    let response = post(&operator, "/api/alerts/save", &rule_fields("Shop slow", "300")).await;
    assert_eq!(response.status().as_u16(), 409);
}

#[tokio::test]
async fn a_bad_field_is_named_and_without_javascript_the_typed_form_comes_back() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let response = post(&operator, "/api/alerts/save", &rule_fields("Shop slow", "lots")).await;
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "threshold", "{body}");

    // A plain form post (no JavaScript) lands back in the editor with every field.
    let fields = rule_fields("Typed name", "lots");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let location = operator
        .post_without_js("/api/alerts/save", "/alerts/rules/new", &pairs)
        .await;
    assert!(location.starts_with("/alerts/rules/new?"), "{location}");
    assert!(location.contains("error_field=threshold"), "{location}");
    let page = operator.get(&location).await.text().await.expect("page");
    assert!(page.contains("Typed name"), "the typed name is kept");
    assert!(page.contains("Enter a number"), "the message is shown");
    let rules: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_rules WHERE name = 'Typed name'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(rules, 0);
}

#[tokio::test]
async fn a_backtest_of_a_draft_shows_when_it_would_have_fired() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (support, _) = app.signed_in(Role::Support).await;
    let mut fields = rule_fields("Shop slow", "300");
    fields.push(("hours".into(), "2".into()));
    fields.push(("backtest".into(), "true".into()));
    let response = post(&support, "/api/alerts/preview", &fields).await;
    assert_eq!(response.status().as_u16(), 200);
    let preview: serde_json::Value = response.json().await.expect("json");
    let episodes = preview["backtest"]["episodes"].as_array().expect("episodes");
    assert_eq!(episodes.len(), 1, "{preview}");
    assert!(
        episodes[0]["resolved_at"].is_string(),
        "it resolves after the slow stretch"
    );
    assert!(!preview["series"].as_array().expect("series").is_empty());

    // The same as a page: the draft in the URL, the result as text.
    let query: Vec<String> = rule_fields("Shop slow", "300")
        .iter()
        .map(|(k, v)| format!("{}={}", app::url::percent_encode(k), app::url::percent_encode(v)))
        .collect();
    let page = support
        .get(&format!("/alerts/rules/new?{}&hours=2&backtest=1", query.join("&")))
        .await;
    // Support reads alerts but may not open the new-rule page.
    assert_eq!(page.status().as_u16(), 403);
    let (operator, _) = app.signed_in(Role::Operator).await;
    let page = operator
        .get(&format!("/alerts/rules/new?{}&hours=2&backtest=1", query.join("&")))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("would have fired 1 time."), "backtest summary as text");
    assert!(page.contains(r#"class="firing-band""#), "a band on the strip");
}

#[tokio::test]
async fn the_alerts_page_lists_firing_alerts_and_an_operator_acknowledges_one() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (operator, user) = app.signed_in(Role::Operator).await;
    let mut fields = rule_fields("Always slow", "10");
    fields.retain(|(k, _)| k != "rule[recovery_threshold]");
    fields
        .iter_mut()
        .filter(|(k, _)| k == "rule[for_minutes]")
        .for_each(|(_, v)| *v = "0".into());
    let id: i64 = post(&operator, "/api/alerts/save", &fields)
        .await
        .json()
        .await
        .expect("id");
    app::alerts::ssr::evaluate::run_cycle(&app.db, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("cycle");

    let (manager, _) = app.signed_in(Role::Manager).await;
    let page = manager.get("/alerts").await.text().await.expect("page");
    assert!(page.contains(r#"data-testid="active-alerts""#) && page.contains("Always slow"));
    assert!(
        !page.contains(">Acknowledge<"),
        "managers read, they do not acknowledge"
    );

    let response = operator
        .post_fn("/api/alerts/acknowledge", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let page = manager.get("/alerts").await.text().await.expect("page");
    assert!(page.contains(&user.email), "who acknowledged is shown");
    assert_eq!(app.audit_entries("alert.acknowledge").await.len(), 1);

    let (viewer, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.get("/alerts").await.status().as_u16(), 403);
}
