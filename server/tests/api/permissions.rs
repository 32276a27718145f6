//! The permission matrix: every row of the endpoint table × every role,
//! anonymous, a disabled user and an expired session, with the outcome each
//! cell must have derived from the one permission table. A server function
//! or page without a row fails `every_endpoint_has_a_row`.

use app::auth::endpoints::{Access, TABLE, access_for};
use app::auth::permissions::{Role, allows};
use leptos::server_fn::axum::server_fn_paths;
use redis::AsyncCommands;

use crate::helpers::{Browser, TestApp};

#[derive(Clone, Copy, Debug)]
enum Principal {
    Role(Role),
    Anonymous,
    Disabled,
    Expired,
}

const PRINCIPALS: [Principal; 8] = [
    Principal::Role(Role::Admin),
    Principal::Role(Role::Operator),
    Principal::Role(Role::Support),
    Principal::Role(Role::Manager),
    Principal::Role(Role::Viewer),
    Principal::Anonymous,
    Principal::Disabled,
    Principal::Expired,
];

fn expected_allowed(access: Access, principal: Principal) -> bool {
    match (access, principal) {
        (Access::Public, _) => true,
        (_, Principal::Anonymous | Principal::Disabled | Principal::Expired) => false,
        (Access::SignedIn, Principal::Role(_)) => true,
        (Access::Requires(permission), Principal::Role(role)) => allows(role, permission),
    }
}

/// Moves the session's sign-in time `seconds` into the past.
pub async fn age_session(app: &TestApp, browser: &Browser, seconds: i64) {
    let id = browser.session_id().expect("a session");
    let key = format!("{}session:{id}", app.redis_prefix);
    let mut redis = app.redis().await;
    let raw: String = redis.get(&key).await.expect("session stored");
    // Edit the text: the record's i128 id does not survive a trip through serde_json::Value.
    let field = "\"signed_in_at\":";
    let start = raw.find(field).expect("signed_in_at stored") + field.len();
    let end = start + raw[start..].find(|c: char| !c.is_ascii_digit()).expect("number ends");
    let signed_in_at: i64 = raw[start..end].parse().expect("a timestamp");
    let aged = format!("{}{}{}", &raw[..start], signed_in_at - seconds, &raw[end..]);
    let _: () = redis.set_ex(&key, aged, 600).await.expect("session updated");
}

async fn browser_for(app: &TestApp, principal: Principal) -> Browser {
    match principal {
        Principal::Role(role) => app.signed_in(role).await.0,
        Principal::Anonymous => app.browser(),
        Principal::Disabled => {
            let (browser, user) = app.signed_in(Role::Admin).await;
            sqlx::query("UPDATE users SET disabled = true WHERE id = $1")
                .bind(user.id)
                .execute(&app.db)
                .await
                .expect("disable");
            browser
        }
        Principal::Expired => {
            let (browser, _) = app.signed_in(Role::Admin).await;
            age_session(app, &browser, 13 * 3600).await;
            browser
        }
    }
}

/// A concrete path for a table row (prefix rows get an example below them).
fn example_path(pattern: &str) -> String {
    match pattern.strip_suffix("/*") {
        Some(prefix) => format!("{prefix}/opsdeck.css"),
        None => pattern.replace("{project}", "1"),
    }
}

#[tokio::test]
async fn every_cell_of_the_matrix_gets_its_expected_outcome() {
    // Two principals without a session are refused on most of the table's
    // rows within a minute: more than the per-address cap on anonymous
    // refusals, which `audit_refusals` tests on its own.
    let app = TestApp::configure()
        .await
        .set("OPSDECK_ANONYMOUS_REFUSALS_PER_MIN", "100000")
        .spawn()
        .await;
    // Signing out would end the session the later cells use, so it goes last.
    let mut rows: Vec<&(&str, Access)> = TABLE.iter().collect();
    rows.sort_by_key(|(path, _)| *path == "/api/auth/sign-out");
    let mut cells = 0;
    let mut wrong = Vec::new();
    for principal in PRINCIPALS {
        let browser = browser_for(&app, principal).await;
        for (pattern, access) in &rows {
            let path = example_path(pattern);
            let response = if path.starts_with("/api/") {
                browser.post_fn(&path, &[]).await
            } else {
                browser.get(&path).await
            };
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            // A bearer challenge comes from a machine API's own key check
            // (e.g. /api/v1/ingest without a key): the gate let it through.
            let bearer = response
                .headers()
                .get("www-authenticate")
                .is_some_and(|v| v.as_bytes().starts_with(b"Bearer"));
            let refused =
                (status == 401 && !bearer) || status == 403 || (status == 303 && location.starts_with("/login"));
            let should_allow = expected_allowed(*access, principal);
            if refused == should_allow {
                wrong.push(format!(
                    "{principal:?} {path}: status {status} {location}, expected {}",
                    if should_allow { "allowed" } else { "refused" }
                ));
            }
            cells += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, TABLE.len() * PRINCIPALS.len());
    let denials: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'access.denied'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert!(denials > 0, "refusals are audited");
}

#[tokio::test]
async fn every_server_function_and_page_has_a_row() {
    let mut missing = Vec::new();
    for (path, method) in server_fn_paths() {
        if access_for(path).is_none() {
            missing.push(format!("server function {method} {path}"));
        }
        assert_eq!(
            method,
            http::Method::POST,
            "{path}: data-changing server functions must not be callable with GET"
        );
    }
    for route in leptos_axum::generate_route_list(app::App) {
        let path = route.path();
        if access_for(path).is_none() {
            missing.push(format!("page {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "add rows to app/src/auth/endpoints.rs for:\n{}",
        missing.join("\n")
    );
}

#[tokio::test]
async fn a_refused_request_writes_one_audit_entry_naming_the_actor() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.signed_in(Role::Viewer).await;
    assert_eq!(browser.get("/users").await.status().as_u16(), 403);
    let denied = app.audit_entries("access.denied").await;
    assert_eq!(denied, vec![("denied".into(), Some(user.email), Some("/users".into()))]);
}
