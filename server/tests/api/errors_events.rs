//! The Issue page's events (the chosen event, the keyset-paged list, where
//! it was seen, occurrences with deployments) and the Errors page's extra
//! filters (environment, release, new since a deployment), users in the
//! range and the 24-hour sparkline.

use app::auth::permissions::Role;
use scraper::Html;
use serde_json::{Value, json};

use crate::errors_ingest::{exception_event, send_events};
use crate::forms::select;
use crate::helpers::{Browser, TestApp};

/// An exception event in `function` with its value, user, environment and release.
fn event(function: &str, value: &str, user: &str, environment: &str, release: &str) -> Value {
    let mut event = exception_event(function, 3, value, user);
    event["environment"] = json!(environment);
    event["release"] = json!(release);
    event
}

async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.text().await.expect("page")
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let page = Html::parse_document(html);
    select(&page, selector)
        .iter()
        .map(|element| element.text().collect::<String>().trim().to_string())
        .collect()
}

fn attrs(html: &str, selector: &str, name: &str) -> Vec<String> {
    let page = Html::parse_document(html);
    select(&page, selector)
        .iter()
        .filter_map(|element| element.value().attr(name).map(str::to_string))
        .collect()
}

async fn deployment(app: &TestApp, service: &str, version: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO deployments (service, version, environment, status, started_at, finished_at, deployed_by, source) \
         VALUES ($1, $2, 'production', 'succeeded', now(), now(), 'ci', 'api') RETURNING id",
    )
    .bind(service)
    .bind(version)
    .fetch_one(&app.db)
    .await
    .expect("deployment")
}

#[tokio::test]
async fn the_issue_page_pages_its_events_and_shows_the_chosen_one() {
    let app = TestApp::spawn().await;
    let events: Vec<Value> = (0..25)
        .map(|n| {
            let (environment, release) = if n % 2 == 0 {
                ("production", "shop@1")
            } else {
                ("staging", "shop@2")
            };
            let mut event = event("add", "boom", &format!("u{n}"), environment, release);
            event["timestamp"] = json!(chrono::Utc::now().timestamp() as f64 - f64::from(n));
            event
        })
        .collect();
    send_events(&app, "shop", &events).await;
    let version = "shop-release-marker";
    deployment(&app, "shop", version).await;
    let issue: i64 = sqlx::query_scalar("SELECT id FROM error_issues")
        .fetch_one(&app.db)
        .await
        .expect("issue");
    let (support, _) = app.signed_in(Role::Support).await;
    let path = format!("/errors/issues/{issue}");

    let first = page(&support, &path).await;
    let mut links = attrs(&first, ".issue-events tbody td:first-child a", "href");
    assert_eq!(links.len(), 20);
    let next = attrs(&first, "nav.pager a[rel=next]", "href");
    assert_eq!(next.len(), 1, "an older page");
    assert!(next[0].starts_with(&format!("{path}?before=")), "{}", next[0]);
    let second = page(&support, &next[0].replace("&amp;", "&")).await;
    links.extend(attrs(&second, ".issue-events tbody td:first-child a", "href"));
    assert_eq!(links.len(), 25);
    assert!(attrs(&second, "nav.pager a[rel=next]", "href").is_empty());
    let mut ids: Vec<String> = links
        .iter()
        .map(|l| l.split("event=").nth(1).unwrap_or("").to_string())
        .collect();
    ids.iter_mut()
        .for_each(|id| *id = id.split('&').next().unwrap_or("").to_string());
    let newest = ids[0].clone();
    assert_eq!(newest, events[0]["event_id"].as_str().expect("id"), "newest first");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 25, "every event once");

    assert_eq!(texts(&first, "#latest-event-heading"), ["Latest event"]);
    let oldest = events[24]["event_id"].as_str().expect("id");
    let chosen = page(&support, &format!("{path}?event={oldest}")).await;
    assert_eq!(texts(&chosen, "#latest-event-heading"), ["Chosen event"]);
    assert!(texts(&chosen, ".facts dd").contains(&oldest.to_string()));
    let missing = page(&support, &format!("{path}?event=ffff")).await;
    assert_eq!(texts(&missing, "#latest-event-heading"), ["Latest event"]);
    assert!(missing.contains("is not one of this issue"), "an unknown event is told");

    let seen = texts(&first, ".seen-in code");
    for name in ["shop@1", "shop@2", "production", "staging"] {
        assert!(seen.contains(&name.to_string()), "seen in {name}: {seen:?}");
    }
    assert_eq!(
        texts(&first, "[data-testid=occurrences-total]"),
        ["25 events in the last 24 hours."]
    );
    assert!(
        first.contains(&format!("<title>{version}</title>")),
        "the deployment is marked on the chart"
    );
    // As the hydrated page calls it: only the issue, every filter field left out.
    let response = support
        .post_fn("/api/errors/issue-events", &[("issue_id", &issue.to_string())])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["rows"].as_array().map(Vec::len), Some(20));
    assert!(body["next"].is_string());
    let status = support.get(&format!("{path}?before=x")).await.status().as_u16();
    assert_ne!(status, 500);
}

#[tokio::test]
async fn the_errors_page_filters_by_environment_release_and_deployment() {
    let app = TestApp::spawn().await;
    send_events(&app, "shop", &[event("alpha", "alpha broke", "u1", "production", "r1")]).await;
    send_events(
        &app,
        "shop",
        &[
            event("bravo", "bravo broke", "u1", "staging", "r2"),
            event("bravo", "bravo broke", "u2", "staging", "r2"),
        ],
    )
    .await;
    let deployed = deployment(&app, "shop", "2.0").await;
    send_events(
        &app,
        "shop",
        &[event("charlie", "charlie broke", "u3", "production", "r3")],
    )
    .await;
    let (support, _) = app.signed_in(Role::Support).await;
    let titles = |html: &str| texts(html, ".errors-table tbody td:first-child a");

    let all = page(&support, "/errors").await;
    assert_eq!(titles(&all).len(), 3);
    assert_eq!(
        attrs(&all, ".errors-table svg.sparkline", "aria-label").len(),
        3,
        "a sparkline per row"
    );
    let staging = page(&support, "/errors?environment=staging").await;
    assert_eq!(titles(&staging), ["TypeError: bravo broke"]);
    let cells = texts(&staging, ".errors-table tbody td.num");
    assert_eq!(&cells[..2], ["2", "2"], "events and users in the range");
    assert_eq!(
        attrs(&staging, ".errors-table svg.sparkline", "aria-label"),
        ["2 events in the last 24 hours, at most 2 in an hour"]
    );
    assert_eq!(
        titles(&page(&support, "/errors?release=r1").await),
        ["TypeError: alpha broke"]
    );
    assert!(titles(&page(&support, "/errors?release=r1&environment=staging").await).is_empty());

    let since = page(&support, &format!("/errors?since={deployed}")).await;
    assert_eq!(titles(&since), ["TypeError: charlie broke"]);
    assert!(
        texts(&since, "#errors-since option")
            .iter()
            .any(|o| o.starts_with("shop 2.0 (production)")),
        "the deployment is offered"
    );
    for (path, message) in [
        ("/errors?since=abc", "Choose a deployment from the list"),
        ("/errors?since=999999", "There is no such deployment"),
    ] {
        let response = support.get(path).await;
        // 422 when known before the page streams; never a failure of the server.
        assert_ne!(response.status().as_u16(), 500, "{path}");
        assert!(response.text().await.expect("page").contains(message), "{path}");
    }
}
