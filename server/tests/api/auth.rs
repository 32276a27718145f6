//! Sign-in, sessions and cross-site protection, as a browser sees them.

use std::time::Instant;

use app::auth::permissions::Role;

use crate::helpers::{TestApp, TestUser, header, replay};

#[tokio::test]
async fn signing_in_with_the_right_password_starts_a_session() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Operator).await;
    let browser = app.browser();
    let response = browser.sign_in(&user.email.to_uppercase(), &user.password).await;
    assert_eq!(response.status().as_u16(), 200, "emails match whatever their case");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(cookie.starts_with("opsdeck_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain local HTTP: no Secure flag");
    let me = browser.whoami().await.expect("signed in");
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(user.email.as_str()), Some("operator"))
    );
    assert_eq!(
        app.audit_entries("auth.sign_in").await,
        vec![("success".into(), Some(user.email.clone()), Some(user.id.to_string()))]
    );
    let last: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_sign_in_at FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert!(last.is_some(), "last sign-in recorded");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer_in_similar_time() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let browser = app.browser();

    let started = Instant::now();
    let wrong = browser.sign_in(&user.email, "not the password at all").await;
    let wrong_time = started.elapsed();
    let (wrong_status, wrong_body) = (wrong.status().as_u16(), wrong.text().await.expect("body"));

    let started = Instant::now();
    let unknown = browser
        .sign_in("nobody-here@example.com", "not the password at all")
        .await;
    let unknown_time = started.elapsed();
    let (unknown_status, unknown_body) = (unknown.status().as_u16(), unknown.text().await.expect("body"));

    assert_eq!(wrong_status, 401);
    assert_eq!(
        (wrong_status, &wrong_body),
        (unknown_status, &unknown_body),
        "indistinguishable answers"
    );
    assert!(wrong_body.contains("SignInFailed"), "{wrong_body}");
    // Both paths run one argon2 verification; allow generous noise on a busy machine.
    let (fast, slow) = if wrong_time < unknown_time {
        (wrong_time, unknown_time)
    } else {
        (unknown_time, wrong_time)
    };
    assert!(
        slow.as_secs_f64() < fast.as_secs_f64() * 3.0 + 0.05,
        "wrong {wrong_time:?} vs unknown {unknown_time:?}"
    );
    assert!(browser.whoami().await.is_none());
    let failures = app.audit_entries("auth.sign_in").await;
    assert_eq!(failures.len(), 2, "every attempt is audited: {failures:?}");
    assert!(failures.iter().all(|(outcome, ..)| outcome == "failure"));
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Admin).await;
    sqlx::query("UPDATE users SET disabled = true WHERE id = $1")
        .bind(user.id)
        .execute(&app.db)
        .await
        .expect("disable");
    let response = app.browser().sign_in(&user.email, &user.password).await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn five_failures_lock_the_email_with_429_and_retry_after() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let browser = app.browser();
    for attempt in 1..=5 {
        let response = browser.sign_in(&user.email, "wrong password number x").await;
        assert_eq!(response.status().as_u16(), 401, "attempt {attempt}");
    }
    let locked = browser.sign_in(&user.email, &user.password).await;
    assert_eq!(locked.status().as_u16(), 429, "even the right password waits");
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    assert!(locked.text().await.expect("body").contains("RateLimited"));
    assert!(browser.whoami().await.is_none());
    let outcomes: Vec<String> = app
        .audit_entries("auth.sign_in")
        .await
        .into_iter()
        .map(|(o, ..)| o)
        .collect();
    assert_eq!(
        outcomes,
        ["failure", "failure", "failure", "failure", "failure", "denied"]
    );
}

#[tokio::test]
async fn the_lock_lifts_when_the_window_passes() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SIGN_IN_WINDOW_SECS", "4")
        .set("OPSDECK_SIGN_IN_MAX_FAILURES", "2")
        .spawn()
        .await;
    let user = app.create_user(Role::Viewer).await;
    let browser = app.browser();
    // The window is a few seconds long, so the three sign-ins (each an
    // argon2 hash, slow on a loaded machine) all fall inside it.
    for _ in 0..2 {
        browser.sign_in(&user.email, "wrong password number x").await;
    }
    assert_eq!(
        browser.sign_in(&user.email, &user.password).await.status().as_u16(),
        429
    );
    tokio::time::sleep(std::time::Duration::from_millis(8100)).await;
    assert_eq!(
        browser.sign_in(&user.email, &user.password).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn signing_in_again_issues_a_new_session_id_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.signed_in(Role::Viewer).await;
    let first = browser.cookie_header().expect("a session cookie");
    let first_id = browser.session_id().expect("session id");
    assert_eq!(
        browser.sign_in(&user.email, &user.password).await.status().as_u16(),
        200
    );
    let second_id = browser.session_id().expect("session id");
    assert_ne!(first_id, second_id, "no session fixation");
    let replayed = replay(&app.address, "/api/auth/whoami", &first).await;
    assert_eq!(
        replayed.text().await.expect("body"),
        "null",
        "the old cookie is worthless"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.signed_in(Role::Manager).await;
    let cookie = browser.cookie_header().expect("cookie");
    let response = browser.post_fn("/api/auth/sign-out", &[]).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    let replayed = replay(&app.address, "/api/health/snapshot", &cookie).await;
    assert_eq!(replayed.status().as_u16(), 401, "a replayed cookie no longer works");
    assert_eq!(
        app.audit_entries("auth.sign_out").await,
        vec![("success".into(), Some(user.email), Some(user.id.to_string()))]
    );
}

#[tokio::test]
async fn sessions_end_after_their_absolute_lifetime() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    crate::permissions::age_session(&app, &browser, 13 * 3600).await;
    assert!(browser.whoami().await.is_none(), "past the 12 h maximum");
}

#[tokio::test]
async fn sign_in_fails_closed_when_redis_is_unreachable() {
    let app = TestApp::without_redis().await;
    let user = app.create_user(Role::Admin).await;
    let browser = app.browser();
    let response = browser.sign_in(&user.email, &user.password).await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("session store cannot be reached")
    );
    assert!(browser.session_id().is_none(), "no session cookie handed out");
    assert_eq!(browser.get("/").await.status().as_u16(), 303, "still sent to sign in");
}

#[tokio::test]
async fn a_session_that_cannot_be_read_is_a_503_to_retry_not_a_sign_out() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let cookie = browser.cookie_header().expect("session cookie");
    let cut_off = TestApp::without_redis().await;
    for path in ["/performance", "/api/metrics/performance", "/api/v1/live"] {
        let response = crate::helpers::replay(&cut_off.address, path, &cookie).await;
        assert_eq!(response.status().as_u16(), 503, "{path}");
        assert_eq!(header(&response, "retry-after"), Some("5"), "{path}");
    }
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let url = format!("{}/api/auth/sign-in", app.address);
    assert_eq!(
        sign_in_status(&app, &user, &[("Origin", "https://evil.example")]).await,
        403
    );
    assert_eq!(
        sign_in_status(&app, &user, &[("Sec-Fetch-Site", "cross-site")]).await,
        403
    );
    let text_plain = app
        .client
        .post(&url)
        .header("Content-Type", "text/plain")
        .body(format!("email={}&password={}", user.email, user.password))
        .send()
        .await
        .expect("sent");
    assert_eq!(text_plain.status().as_u16(), 403);
    let same_origin = [("Origin", app.address.as_str()), ("Sec-Fetch-Site", "same-origin")];
    assert_eq!(
        sign_in_status(&app, &user, &same_origin).await,
        200,
        "the app's own pages still work"
    );
    // The three are one distinct refusal (same client, path and reason): the
    // first is audited at once, the others are counted into its window.
    let denied = app.audit_entries("access.denied").await;
    assert_eq!(denied.len(), 1, "the refusal is audited: {denied:?}");
}

#[tokio::test]
async fn sign_in_sends_a_hostile_next_home_without_panicking() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let url = format!("{}/api/auth/sign-in", app.address);
    let cases = [
        ("/audit?actor=a", "/audit?actor=a"),
        ("/\t/evil.example", "/"),
        ("/%09/evil.example", "/"),
        ("/%2F/evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\r\nSet-Cookie: stolen=1", "/"),
        ("/\n/evil.example", "/"),
        ("/%00", "/"),
    ];
    for (next, expected) in cases {
        // As the hydrated app calls it (JSON) and as a plain form post (HTML).
        for accept in ["application/json", "text/html"] {
            let response = app
                .client
                .post(&url)
                .header("Accept", accept)
                .header("Referer", format!("{}/login", app.address))
                .form(&[
                    ("email", user.email.as_str()),
                    ("password", user.password.as_str()),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap_or_else(|e| panic!("{next:?} ({accept}): no answer, the connection dropped: {e}"));
            let status = response.status().as_u16();
            assert!(status == 200 || status == 302, "{next:?} ({accept}): {status}");
            let location = response.headers().get("location").map(|v| v.as_bytes().to_vec());
            assert_eq!(location.as_deref(), Some(expected.as_bytes()), "{next:?} ({accept})");
        }
    }
    // A NUL never gets as far as sign-in: the door refuses it, naming the field.
    let response = app
        .client
        .post(&url)
        .form(&[
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
            ("next", "/\0/evil.example"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.expect("body").contains("\"next\""));
}

#[tokio::test]
async fn whoami_during_a_redis_outage_is_a_503_to_retry() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let cookie = browser.cookie_header().expect("session cookie");
    let cut_off = TestApp::without_redis().await;
    let response = replay(&cut_off.address, "/api/auth/whoami", &cookie).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(header(&response, "retry-after"), Some("5"));
    let body = response.text().await.expect("body");
    assert!(body.contains("Unavailable"), "a message, not an empty body: {body}");
    let page = reqwest::Client::new()
        .get(format!("{}/login", cut_off.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 503, "the sign-in page with a cookie too");
}

#[tokio::test]
async fn signed_in_pages_and_answers_are_never_stored_by_caches() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    for response in [
        browser.get("/").await,
        browser.get("/users").await,
        browser.post_fn("/api/auth/whoami", &[]).await,
    ] {
        let url = response.url().path().to_string();
        assert_eq!(header(&response, "cache-control"), Some("no-store"), "{url}");
    }
    let public = app.get("/favicon.svg").await;
    assert_ne!(
        header(&public, "cache-control"),
        Some("no-store"),
        "static files may be cached"
    );
}

#[tokio::test]
async fn an_origin_with_another_scheme_is_another_site() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let host = app.address.trim_start_matches("http://");
    assert_eq!(
        sign_in_status(&app, &user, &[("Origin", &format!("https://{host}"))]).await,
        403,
        "served over http: https:// is foreign"
    );

    let secure = TestApp::configure()
        .await
        .set("OPSDECK_SECURE_COOKIES", "true")
        .spawn()
        .await;
    let user = secure.create_user(Role::Viewer).await;
    let host = secure.address.trim_start_matches("http://");
    assert_eq!(
        sign_in_status(&secure, &user, &[("Origin", &format!("http://{host}"))]).await,
        403,
        "served over https: http:// is foreign"
    );
    assert_eq!(
        sign_in_status(&secure, &user, &[("Origin", &format!("https://{host}"))]).await,
        200,
        "its own https origin passes"
    );
}

/// The status of signing `user` in on `app` as a form post with `headers`
/// added (`Origin`, `Sec-Fetch-Site`: what the cross-site check reads).
async fn sign_in_status(app: &TestApp, user: &TestUser, headers: &[(&str, &str)]) -> u16 {
    let form = [("email", user.email.as_str()), ("password", user.password.as_str())];
    let mut request = app.client.post(format!("{}/api/auth/sign-in", app.address)).form(&form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("sent").status().as_u16()
}
