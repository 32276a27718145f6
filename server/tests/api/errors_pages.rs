//! The Errors and Issue pages: who may read them, filters and keyset
//! paging, the issue's latest event and "grouped by", and event text shown
//! as text (never markup) on both.

use app::auth::permissions::Role;
use scraper::Html;
use serde_json::{Value, json};

use crate::errors_ingest::{exception_event, send_events};
use crate::forms::select;
use crate::helpers::{Browser, TestApp};

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("page"))
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let page = Html::parse_document(html);
    select(&page, selector)
        .iter()
        .map(|element| element.text().collect::<String>().trim().to_string())
        .collect()
}

#[tokio::test]
async fn admins_operators_and_support_read_errors_managers_and_viewers_do_not() {
    let app = TestApp::spawn().await;
    send_events(&app, "shop", &[exception_event("add", 3, "x", "u1")]).await;
    let issue: i64 = sqlx::query_scalar("SELECT id FROM error_issues")
        .fetch_one(&app.db)
        .await
        .expect("issue");
    for role in Role::ALL {
        let allowed = matches!(role, Role::Admin | Role::Operator | Role::Support);
        let (browser, _) = app.signed_in(role).await;
        let expected = if allowed { 200 } else { 403 };
        assert_eq!(page(&browser, "/errors").await.0, expected, "{role:?} list");
        assert_eq!(
            page(&browser, &format!("/errors/issues/{issue}")).await.0,
            expected,
            "{role:?} issue"
        );
        let fn_status = browser
            .post_fn("/api/errors/issue", &[("issue_id", &issue.to_string())])
            .await
            .status();
        assert_eq!(fn_status.as_u16(), expected, "{role:?} server function");
        let (_, home) = page(&browser, "/").await;
        assert_eq!(home.contains("href=\"/errors\""), allowed, "{role:?} navigation");
    }
}

#[tokio::test]
async fn event_text_is_shown_as_text_on_both_pages() {
    let app = TestApp::spawn().await;
    let hostile = "</textarea><script>alert(\"x\")</script> \"quoted\" & <b>bold</b>";
    let mut event = exception_event("render", 7, hostile, "u1");
    event["breadcrumbs"] = json!({ "values": [{ "category": "ui", "message": hostile }] });
    event["tags"] = json!({ "page": hostile });
    send_events(&app, "shop", &[event]).await;
    let issue: i64 = sqlx::query_scalar("SELECT id FROM error_issues")
        .fetch_one(&app.db)
        .await
        .expect("issue");
    let (support, _) = app.signed_in(Role::Support).await;
    for path in ["/errors".to_string(), format!("/errors/issues/{issue}")] {
        let (status, html) = page(&support, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert"), "{path}: raw markup in the page");
        assert!(!html.contains("<b>bold"), "{path}: raw markup in the page");
        assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;"), "{path}: escaped text");
    }
    let (_, html) = page(&support, &format!("/errors/issues/{issue}")).await;
    let title = format!("TypeError: {hostile}");
    assert_eq!(texts(&html, "h1"), vec![title]);
    assert!(texts(&html, ".breadcrumbs td").contains(&hostile.to_string()));
    assert_eq!(texts(&html, ".grouped-by li"), vec!["in-app frames cart.render"]);
    assert_eq!(texts(&html, "ol.frames li.in-app code"), vec!["render"]);
    assert_eq!(texts(&html, ".other-frames summary"), vec!["1 other frames"]);
}

#[tokio::test]
async fn filters_and_keyset_pages_cover_every_issue_once() {
    let app = TestApp::spawn().await;
    let names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
    // 56 distinct messages: 8 × 7 words, no digits (digits would group them).
    let events: Vec<Value> = names
        .iter()
        .flat_map(|a| {
            names
                .iter()
                .take(7)
                .map(move |b| json!({ "message": format!("failure {a} {b}"), "level": "error" }))
        })
        .collect();
    send_events(&app, "shop", &events).await;
    send_events(
        &app,
        "billing",
        &[json!({ "message": "billing warning", "level": "warning" })],
    )
    .await;
    let (support, _) = app.signed_in(Role::Support).await;

    let (_, first) = page(&support, "/errors?service=shop").await;
    let mut seen = texts(&first, ".errors-table tbody td:first-child a");
    assert_eq!(seen.len(), 50);
    let next = Html::parse_document(&first);
    let next = select(&next, "nav.pager a[rel=next]")
        .first()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("a next page");
    assert!(next.starts_with("/errors?service=shop&after="), "{next}");
    let (_, second) = page(&support, &next).await;
    let rest = texts(&second, ".errors-table tbody td:first-child a");
    assert_eq!(rest.len(), 6);
    assert!(select(&Html::parse_document(&second), "nav.pager a[rel=next]").is_empty());
    seen.extend(rest);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 56, "every issue once");

    let (_, warnings) = page(&support, "/errors?level=warning").await;
    assert_eq!(
        texts(&warnings, ".errors-table tbody td:first-child a"),
        vec!["billing warning"]
    );
    let (_, found) = page(&support, "/errors?q=golf%20alpha").await;
    assert_eq!(
        texts(&found, ".errors-table tbody td:first-child a"),
        vec!["failure golf alpha"]
    );
    let (status, refused) = page(&support, "/errors?sort=title").await;
    assert_ne!(status, 500);
    assert!(
        refused.contains("Choose last_seen, first_seen, events or users"),
        "a bad sort is named"
    );
}
