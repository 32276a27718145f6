//! Counts of new and regressed error issues for the people who read
//! dashboards and reports: per service over the last 24 hours on the
//! Overview, and per deployment (until the service's next one) on the
//! Deployments page. Managers see the counts but no link into the issues;
//! viewers see neither.

use app::auth::permissions::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::error_alerts::send;
use crate::helpers::{Browser, TestApp};
use crate::ingest::insert_key;

/// Records a finished deployment of `service` that started `minutes_ago`.
async fn deploy(app: &TestApp, key: &str, service: &str, version: &str, minutes_ago: i64) -> i64 {
    let started = Utc::now() - Duration::minutes(minutes_ago);
    let response = app
        .client
        .post(format!("{}/api/v1/deployments", app.address))
        .bearer_auth(key)
        .json(&json!({ "service": service, "version": version, "status": "succeeded",
                       "started_at": started.to_rfc3339(),
                       "finished_at": (started + Duration::minutes(2)).to_rfc3339() }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.expect("json");
    body["id"].as_i64().expect("id")
}

/// The page at `path`, with its status.
async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    (response.status().as_u16(), response.text().await.expect("html"))
}

#[tokio::test]
async fn managers_see_new_issues_per_service_and_per_deployment_but_not_the_issues() {
    let app = TestApp::spawn().await;
    // Issue A first seen two days ago (and again now), B two hours ago, C ten minutes ago.
    send(
        &app,
        "checkout",
        &[
            ("addToCart", "cart gone", 2 * 24 * 3600),
            ("addToCart", "cart gone", 60),
            ("payOrder", "card declined", 2 * 3600),
            ("shipOrder", "no courier", 600),
        ],
    )
    .await;
    send(&app, "billing", &[("invoice", "no address", 3 * 24 * 3600)]).await;
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let older = deploy(&app, &key, "checkout", "1.4.0", 5 * 60).await;
    let newer = deploy(&app, &key, "checkout", "1.5.0", 30).await;
    let other = deploy(&app, &key, "billing", "7.0.0", 60).await;

    let (manager, _) = app.signed_in(Role::Manager).await;
    let response = manager.post_fn("/api/errors/tallies", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let tallies: Value = response.json().await.expect("json");
    assert_eq!(
        tallies,
        json!([{ "service": "checkout", "tally": { "new": 2, "regressed": 0 } }]),
        "billing's only issue is older than 24 hours"
    );
    let (status, html) = page(&manager, "/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("data-testid=\"overview-error-issues\""),
        "the counts on the Overview"
    );
    assert!(!html.contains("href=\"/errors"), "no link a manager would be refused");

    // Each deployment counts what came after it until the next one of its service.
    let (status, html) = page(&manager, "/deployments").await;
    assert_eq!(status, 200);
    let cell = |id: i64| {
        let row = html
            .split(&format!("data-deployment=\"{id}\""))
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("the deployment's row");
        let cell = row
            .split("data-testid=\"deployment-issues\"")
            .nth(1)
            .expect("its issues");
        cell.split("</span>").next().unwrap_or_default().to_string()
    };
    assert!(cell(older).contains("1 new"), "B came after 1.4.0: {}", cell(older));
    assert!(cell(newer).contains("1 new"), "C came after 1.5.0: {}", cell(newer));
    assert!(cell(other).contains("0 new"), "{}", cell(other));

    // Support reads errors: the same counts, with links to the issues.
    let (support, _) = app.signed_in(Role::Support).await;
    let (_, html) = page(&support, "/").await;
    assert!(
        html.contains("href=\"/errors?service=checkout&amp;sort=first_seen\""),
        "a link to the issues"
    );

    // Viewers see no counts at all.
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.post_fn("/api/errors/tallies", &[]).await.status().as_u16(), 403);
    let (_, html) = page(&viewer, "/").await;
    assert!(!html.contains("overview-error-issues"));
}
