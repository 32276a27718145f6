use crate::helpers::TestApp;

#[tokio::test]
async fn overview_is_rendered_on_the_server_with_live_checks() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_page("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Overview · Opsdeck</title>"), "title: {html}");
    assert!(html.contains(r#"aria-label="Postgres""#), "Postgres card rendered");
    assert!(html.contains(r#"aria-label="Redis""#), "Redis card rendered");
    assert!(html.contains("badge badge-up"), "a live status badge is rendered");
    assert!(html.contains("/pkg/opsdeck.js"), "hydration script referenced");
}

#[tokio::test]
async fn every_area_is_in_the_navigation_and_unbuilt_ones_say_so() {
    let app = TestApp::spawn().await;
    let (_, home) = app.get_page("/").await;
    for (title, path) in [
        ("Performance", "/performance"),
        ("Alerts", "/alerts"),
        ("Logs", "/logs"),
        ("Backups", "/backups"),
        ("Deployments", "/deployments"),
        ("Audit", "/audit"),
        ("Settings", "/settings"),
        ("Users", "/users"),
    ] {
        assert!(home.contains(&format!(r#"href="{path}""#)), "nav links {path}");
        let (status, html) = app.get_page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{path} heading");
        assert!(html.contains("Not available yet"), "{path} says it is not built");
    }
}

#[tokio::test]
async fn unknown_paths_get_the_404_page() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_page("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
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
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");

    let html = app
        .client
        .get(format!("{}/", app.address))
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
    assert_ne!(response.status().as_u16(), 200);
}
