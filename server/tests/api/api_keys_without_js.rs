//! A key created by a plain form post (no JavaScript): the post redirects
//! to the API keys page, which shows the key once, taken from the session;
//! the key never stands in a URL, and the session forgets it once shown.

use app::auth::permissions::Role;
use redis::AsyncCommands;

use crate::helpers::{Browser, TestApp};

/// The first whole `odk_<prefix>_<secret>` key in `html` (the page's own
/// examples, such as `Bearer odk_…`, stop before a secret).
fn secret_in(html: &str) -> Option<String> {
    html.match_indices("odk_").find_map(|(start, _)| {
        let rest = &html[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let found = &rest[..end];
        (found.matches('_').count() == 2 && !found.ends_with('_')).then(|| found.to_string())
    })
}

/// The create form posted as a browser without JavaScript does.
async fn post_create(admin: &Browser, form: &[(&str, &str)]) -> reqwest::Response {
    admin
        .client
        .post(format!("{}/api/api-keys/create", admin.address))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/settings/api-keys", admin.address))
        .form(form)
        .send()
        .await
        .expect("posted")
}

/// The session's record as Redis holds it.
async fn session_record(app: &TestApp, browser: &Browser) -> String {
    let id = browser.session_id().expect("a session");
    let mut redis = app.redis().await;
    redis
        .get(format!("{}session:{id}", app.redis_prefix))
        .await
        .expect("session stored")
}

#[tokio::test]
async fn a_key_created_without_javascript_is_shown_once_on_the_page() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let response = post_create(
        &admin,
        &[
            ("name", "no-js checkout"),
            ("scope_ingest", "true"),
            ("expires_in_days", "30"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 302, "a plain form post is redirected");
    let location = response.headers()["location"].to_str().expect("ascii").to_string();
    assert_eq!(
        location, "/settings/api-keys#new-key",
        "back to the page, nothing in the URL"
    );
    let body = response.text().await.expect("body");
    assert_eq!(secret_in(&body), None, "the redirect's body holds no key: {body}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys WHERE name = 'no-js checkout'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1, "the key is created");

    let page = admin.get("/settings/api-keys").await.text().await.expect("page");
    assert!(
        page.contains("data-testid=\"new-key-secret\""),
        "the page shows the new key"
    );
    assert!(page.contains("New key “no-js checkout”:"), "named as with JavaScript");
    let secret = secret_in(&page).expect("the whole key on the page");
    let hash: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE name = 'no-js checkout'")
        .fetch_one(&app.db)
        .await
        .expect("hash");
    assert_eq!(
        hash,
        app::api_keys::ssr::secret::hash_key(&secret).to_vec(),
        "it is the key created"
    );
    let secret_part = secret.rsplit('_').next().unwrap_or_default().to_string();
    assert!(
        !session_record(&app, &admin).await.contains(&secret_part),
        "once shown, the session no longer holds the key"
    );

    let again = admin.get("/settings/api-keys").await.text().await.expect("page");
    assert!(!again.contains("new-key-secret"), "a second visit shows no key");
    assert!(!again.contains(&secret_part), "nor any part of it");
}

#[tokio::test]
async fn a_refused_plain_post_keeps_nothing_for_the_page() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let location = admin
        .post_without_js(
            "/api/api-keys/create",
            "/settings/api-keys",
            &[("name", " "), ("scope_ingest", "true")],
        )
        .await;
    assert!(location.contains("__err="), "refused: {location}");
    let page = admin.get(&location).await.text().await.expect("page");
    assert!(!page.contains("new-key-secret"), "no key to show");
    assert!(page.contains("Name the key after what uses it"), "the reason is shown");
}

#[tokio::test]
async fn an_errors_key_created_without_javascript_shows_its_dsn_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let response = post_create(
        &admin,
        &[
            ("name", "no-js sdk"),
            ("scope_errors", "true"),
            ("service", "shop"),
            ("expires_in_days", "0"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(secret_in(&response.text().await.expect("body")), None);
    let project: i32 = sqlx::query_scalar("SELECT id FROM error_projects WHERE service = 'shop'")
        .fetch_one(&app.db)
        .await
        .expect("the service's project");
    let html = admin.get("/settings/api-keys").await.text().await.expect("page");
    let secret = secret_in(&html).expect("the key, once");
    let host = app.address.trim_start_matches("http://");
    assert!(
        html.contains(&format!("http://{secret}@{host}/{project}")),
        "the DSN is shown with it"
    );
    assert!(
        html.contains(&format!("errors (shop, project {project})")),
        "the list names the project"
    );
    let again = admin.get("/settings/api-keys").await.text().await.expect("page");
    assert_eq!(secret_in(&again), None, "shown only once");
}
