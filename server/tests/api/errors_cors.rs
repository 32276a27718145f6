//! Browser SDKs (`@sentry/browser`) post envelopes from the monitored
//! site's origin: the two Sentry doors answer CORS preflights and take
//! cross-site posts — still only with the DSN's key — and no other route
//! does.

use crate::errors_ingest::{dsn_key, envelope, event_item, exception_event};
use crate::helpers::{TestApp, header};

const SITE: &str = "https://shop.example.com";

#[tokio::test]
async fn the_sdk_doors_answer_preflights_from_any_origin() {
    let app = TestApp::spawn().await;
    let (project, _) = dsn_key(&app, "shop").await;
    for door in ["envelope", "store"] {
        let response = app
            .client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/{project}/{door}/", app.address),
            )
            .header("Origin", SITE)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type, x-sentry-auth")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 204, "{door}");
        assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
        assert!(header(&response, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
        let allowed = header(&response, "access-control-allow-headers").unwrap_or_default();
        assert!(
            allowed.contains("x-sentry-auth") && allowed.contains("content-type"),
            "{allowed}"
        );
        assert_eq!(header(&response, "access-control-allow-credentials"), None);
    }
}

/// A post as `@sentry/browser`'s fetch transport sends it from another site.
async fn browser_post(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let query = key
        .map(|key| format!("?sentry_version=7&sentry_key={key}"))
        .unwrap_or_default();
    app.client
        .post(format!("{}{path}{query}", app.address))
        .header("Origin", SITE)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Content-Type", "text/plain;charset=UTF-8")
        .body(envelope(&[event_item(&exception_event("add", 3, "x", "u1"))]))
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn cross_site_posts_reach_the_sdk_doors_with_the_key_still_required() {
    let app = TestApp::spawn().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let response = browser_post(&app, &path, Some(&key)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    let exposed = header(&response, "access-control-expose-headers").unwrap_or_default();
    assert!(
        exposed.contains("x-sentry-rate-limits") && exposed.contains("retry-after"),
        "{exposed}"
    );

    let refused = browser_post(&app, &path, None).await;
    assert_eq!(refused.status(), 401, "the key is still required");
    assert_eq!(
        header(&refused, "access-control-allow-origin"),
        Some("*"),
        "so the SDK can read why"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM error_events")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn other_routes_still_refuse_cross_site_posts() {
    let app = TestApp::spawn().await;
    let (_, key) = dsn_key(&app, "shop").await;
    for path in ["/api/v1/errors", "/api/v1/logs", "/api/v1/ingest", "/api/auth/sign-in"] {
        let response = browser_post(&app, path, Some(&key)).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(header(&response, "access-control-allow-origin"), None, "{path}");
    }
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/v1/errors", app.address))
        .header("Origin", SITE)
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&preflight, "access-control-allow-origin"), None);
}
