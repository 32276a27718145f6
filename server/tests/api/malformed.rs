//! Client mistakes are answered 4xx with a message, never 5xx: every
//! registered server function gets every malformed shape of request.

use app::auth::permissions::Role;
use leptos::server_fn::axum::server_fn_paths;

use crate::helpers::{Browser, TestApp};

/// The fields a server function asks for, learnt from its own answers to
/// requests that lack them ("missing field `email`").
async fn fields_of(browser: &Browser, path: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for _ in 0..16 {
        // 0 names no row (ids start at 1), so nothing real is changed.
        let body: String = fields.iter().map(|f| format!("{f}=0&")).collect();
        let response = post(browser, path, "application/x-www-form-urlencoded", body.into_bytes()).await;
        if response.status != 400 {
            break;
        }
        let Some(field) = response
            .body
            .split("missing field `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
        else {
            break;
        };
        if fields.iter().any(|f| f == field) {
            break;
        }
        fields.push(field.to_string());
    }
    fields
}

struct Answer {
    status: u16,
    body: String,
}

async fn post(browser: &Browser, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
    send(browser, path, content_type, body, false).await
}

/// Posts as the hydrated app does (JSON answers), or as a plain form post
/// from a page without JavaScript (`html`: answered with a redirect).
async fn send(browser: &Browser, path: &str, content_type: &str, body: Vec<u8>, html: bool) -> Answer {
    let accept = if html { "text/html" } else { "application/json" };
    let response = browser
        .client
        .post(format!("{}{path}", browser.address))
        .header("Accept", accept)
        .header("Referer", format!("{}/", browser.address))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: no answer (connection dropped?): {e}"));
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    Answer { status, body }
}

/// Every malformed shape for a function with `fields`, named.
fn shapes(fields: &[String]) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    const FORM: &str = "application/x-www-form-urlencoded";
    let each = |value: &str| -> Vec<u8> {
        fields
            .iter()
            .map(|f| format!("{f}={value}&"))
            .collect::<String>()
            .into()
    };
    let mut shapes = vec![
        ("missing fields", FORM, Vec::new()),
        ("wrong types", FORM, each("not%20a%20number")),
        ("numbers out of range", FORM, each("99999999999999999999999")),
        (
            "duplicate fields",
            FORM,
            fields
                .iter()
                .map(|f| format!("{f}=0&{f}=-1&"))
                .collect::<String>()
                .into(),
        ),
        ("broken percent-encoding", FORM, b"%ZZ=%&%FF%FE=%C3%28&a[=]".to_vec()),
        ("invalid UTF-8", FORM, {
            let mut body = each("ok");
            body.extend_from_slice(b"x=\xff\xfe\xc3\x28");
            body
        }),
        ("too deeply nested", FORM, b"a[b][c][d][e][f][g][h]=1".to_vec()),
        (
            "a JSON body",
            "application/json",
            br#"{"email": 1, "password": [null]}"#.to_vec(),
        ),
        ("over 2 MiB", FORM, {
            let mut body = each("0");
            body.resize(2 * 1024 * 1024 + 4096, b'a');
            body
        }),
    ];
    if !fields.is_empty() {
        shapes.push(("a NUL in every field", FORM, each("a%00b")));
    }
    shapes
}

#[tokio::test]
async fn every_server_function_answers_every_malformed_request_with_a_4xx() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let mut paths: Vec<&str> = server_fn_paths().map(|(path, _)| path).collect();
    paths.sort();
    // Signing out would end the session the later functions need.
    paths.sort_by_key(|path| *path == "/api/auth/sign-out");
    let mut wrong = Vec::new();
    let mut requests = 0;
    for path in &paths {
        let fields = fields_of(&browser, path).await;
        for html in [false, true] {
            for (shape, content_type, body) in shapes(&fields) {
                // Signing out succeeds on some shapes; each gets a session of its own.
                let own = if *path == "/api/auth/sign-out" {
                    Some(app.signed_in(Role::Admin).await.0)
                } else {
                    None
                };
                let answer = send(own.as_ref().unwrap_or(&browser), path, content_type, body, html).await;
                requests += 1;
                let nul = shape.starts_with("a NUL");
                let bad = answer.status >= 500
                    || answer.body.contains("Transport")
                    || (!html && answer.status >= 400 && answer.body.trim().is_empty())
                    || (nul && answer.status != 422)
                    || (shape == "over 2 MiB" && answer.status != 413);
                if bad {
                    wrong.push(format!(
                        "{path} ({}) {shape}{}: {} {}",
                        fields.join(","),
                        if html { " (plain form post)" } else { "" },
                        answer.status,
                        answer.body.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
        if *path != "/api/auth/sign-out" {
            assert!(
                browser.whoami().await.is_some(),
                "{path} ended the session: the functions after it would not be reached"
            );
        }
    }
    println!("{requests} malformed requests to {} server functions", paths.len());
    assert!(
        wrong.is_empty(),
        "{} of {requests} answers wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_decoding_failure_says_what_was_wrong() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let answer = post(
        &browser,
        "/api/users/set-role",
        "application/x-www-form-urlencoded",
        b"user_id=seven&role=viewer".to_vec(),
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let error: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
    let message = error["BadRequest"].as_str().expect("a BadRequest message");
    assert!(message.starts_with("The request could not be read"), "{message}");
    let missing = post(
        &browser,
        "/api/users/set-role",
        "application/x-www-form-urlencoded",
        Vec::new(),
    )
    .await;
    assert!(missing.body.contains("missing field `user_id`"), "{}", missing.body);
}

#[tokio::test]
async fn a_nul_never_reaches_postgres() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in(Role::Admin).await;
    let form = "application/x-www-form-urlencoded";
    for (path, body, field) in [
        ("/api/auth/sign-in", "email=a%00%40example.com&password=x", "email"),
        ("/api/users/list", "q=a%00", "q"),
        (
            "/api/users/create",
            "email=n%40example.com&display_name=N%00&role=viewer",
            "display_name",
        ),
        ("/api/metrics/performance", "query[service]=shop%00", "service"),
    ] {
        let answer = post(&browser, path, form, body.as_bytes().to_vec()).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.body);
        let error: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
        assert_eq!(error["Validation"]["field"], field, "{path}");
    }
    let page = browser.get("/performance?service=shop%00").await;
    assert_eq!(page.status().as_u16(), 422, "a page's query string too");
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'n@example.com'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(users, 0);
}
