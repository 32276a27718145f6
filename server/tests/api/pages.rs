use app::auth::permissions::Role;

use crate::helpers::TestApp;

async fn page(browser: &crate::helpers::Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("text body"))
}

#[tokio::test]
async fn overview_is_rendered_on_the_server_with_live_checks() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let (status, html) = page(&browser, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Overview · Opsdeck</title>"), "title: {html}");
    assert!(html.contains(r#"aria-label="Postgres""#), "Postgres card rendered");
    assert!(html.contains(r#"aria-label="Redis""#), "Redis card rendered");
    assert!(html.contains("badge badge-up"), "a live status badge is rendered");
    assert!(html.contains("/pkg/opsdeck.js"), "hydration script referenced");
}

#[tokio::test]
async fn an_admin_reaches_every_area() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let (_, home) = page(&browser, "/").await;
    let (status, performance) = page(&browser, "/performance").await;
    assert_eq!(status, 200);
    assert!(
        performance.contains("<h1>Performance</h1>") && !performance.contains("Not available yet"),
        "Performance is built"
    );
    for path in ["/alerts", "/health-checks", "/backups", "/deployments", "/logs"] {
        assert!(home.contains(&format!(r#"href="{path}""#)), "nav links {path}");
        let (status, html) = page(&browser, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("Not available yet"), "{path} is built");
    }
    let (status, backups) = page(&browser, "/backups").await;
    assert_eq!(status, 200);
    assert!(
        backups.contains("<h1>Backups</h1>") && !backups.contains("Not available yet"),
        "Backups is built"
    );
    for path in ["/audit", "/users", "/settings", "/backups"] {
        assert!(home.contains(&format!(r#"href="{path}""#)), "admin nav links {path}");
    }
    // Settings is built as far as API keys go.
    let (status, settings) = page(&browser, "/settings").await;
    assert_eq!(status, 200);
    assert!(
        settings.contains(r#"href="/settings/api-keys""#),
        "Settings links to API keys"
    );
}

#[tokio::test]
async fn the_navigation_shows_only_what_the_role_may_open() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (_, html) = page(&viewer, "/").await;
    assert!(html.contains(r#"href="/performance""#));
    assert!(!html.contains(r#"href="/users""#), "viewers get no Users link");
    assert!(!html.contains(r#"href="/audit""#), "viewers get no Audit link");
    assert!(html.contains(">viewer<"), "the header shows the role");

    let (support, _) = app.signed_in(Role::Support).await;
    let (_, html) = page(&support, "/").await;
    assert!(html.contains(r#"href="/audit""#), "support reviews the audit log");
    assert!(!html.contains(r#"href="/users""#));
}

#[tokio::test]
async fn unknown_paths_get_the_404_page() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let (status, html) = page(&browser, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let response = app.get("/performance?range=1h").await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Fperformance%3Frange%3D1h"
    );
    let (status, html) = app.get_page("/login").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<label for="email">Email</label>"#));
    assert!(html.contains(r#"<label for="password">Password</label>"#));
}

#[tokio::test]
async fn the_theme_choice_is_stored_in_a_cookie_and_rendered_by_the_server() {
    let app = TestApp::spawn().await;
    let response = app.post_form("/api/theme/set", &[("theme", "dark")]).await;
    assert_eq!(response.status().as_u16(), 302, "a form post without JS is sent back");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cookie.starts_with("opsdeck_theme=dark;"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let html = app
        .client
        .get(format!("{}/login", app.address))
        .header("Cookie", "opsdeck_theme=dark")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(html.contains(r#"data-theme="dark""#), "server renders the chosen theme");
}

#[tokio::test]
async fn an_unknown_theme_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let response = app.post_form("/api/theme/set", &[("theme", "neon")]).await;
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.get("/login").await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain local HTTP"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce")
        .to_string();
    let html = response.text().await.expect("body");
    assert!(
        html.contains(&format!(r#"nonce="{nonce}""#)),
        "the hydration scripts carry the header's nonce"
    );
    let second = app.get("/login").await.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_ne!(csp, second, "a fresh nonce per request");
}
