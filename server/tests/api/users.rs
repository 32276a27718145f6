//! The Users page's server functions: creating users, roles, disabling,
//! password resets and sessions, each audited once, admins only.

use app::auth::permissions::Role;
use serde_json::Value;

use crate::helpers::{Browser, TestApp, TestUser};

const NEW_PASSWORD: &str = "another long password here";

async fn call(browser: &Browser, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn set_role(admin: &Browser, user: &TestUser, role: &str) -> (u16, Value) {
    call(
        admin,
        "/api/users/set-role",
        &[("user_id", &user.id.to_string()), ("role", role)],
    )
    .await
}

async fn set_disabled(admin: &Browser, user: &TestUser, disabled: bool) -> (u16, Value) {
    call(
        admin,
        "/api/users/set-disabled",
        &[
            ("user_id", &user.id.to_string()),
            ("disabled", if disabled { "true" } else { "false" }),
        ],
    )
    .await
}

async fn role_and_disabled(app: &TestApp, user_id: i64) -> (String, bool) {
    sqlx::query_as("SELECT role, disabled FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.db)
        .await
        .expect("user row")
}

/// (before, after) of the audit entries with `action`, oldest first.
async fn audit_changes(app: &TestApp, action: &str) -> Vec<(Option<Value>, Option<Value>)> {
    sqlx::query_as("SELECT before, after FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.db)
        .await
        .expect("audit_log readable")
}

/// A user of `role` signed in in their own browser.
/// Resets user `id`'s password to `password` (empty: a generated one) as `admin`.
async fn reset_password(admin: &Browser, id: &str, password: &str) -> (u16, Value) {
    call(
        admin,
        "/api/users/reset-password",
        &[("user_id", id), ("password", password)],
    )
    .await
}

/// A new app and a browser signed in to it as an admin.
async fn app_with_admin() -> (TestApp, Browser) {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    (app, admin)
}

async fn signed_in_target(app: &TestApp, role: Role) -> (Browser, TestUser) {
    let (browser, user) = app.signed_in(role).await;
    assert!(browser.whoami().await.is_some());
    (browser, user)
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let form = [
        ("email", " Grace@Example.com "),
        ("display_name", "Grace Hopper"),
        ("role", "operator"),
        ("password", NEW_PASSWORD),
    ];
    let (status, body) = call(&admin, "/api/users/create", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["email"].as_str(), body["role"].as_str()),
        (Some("Grace@Example.com"), Some("operator"))
    );
    let id = body["id"].as_i64().expect("id");

    let entries = app.audit_entries("user.create").await;
    assert_eq!(
        entries,
        vec![("success".into(), Some(admin_user.email.clone()), Some(id.to_string()))]
    );
    let (before, after) = audit_changes(&app, "user.create").await.remove(0);
    assert_eq!(before, None);
    let after = after.expect("after snapshot");
    assert_eq!(after["email"], "Grace@Example.com");
    assert_eq!(after["display_name"], "Grace Hopper");
    assert_eq!(after["role"], "operator");
    assert_eq!(after["disabled"], false);
    let text = after.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "no hash or password in the audit entry: {text}"
    );

    assert_eq!(
        app.browser()
            .sign_in("grace@example.com", NEW_PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_with_a_clear_message() {
    let (app, admin) = app_with_admin().await;
    let existing = app.create_user(Role::Viewer).await;
    let upper = existing.email.to_uppercase();
    let form = [
        ("email", upper.as_str()),
        ("display_name", ""),
        ("role", "viewer"),
        ("password", NEW_PASSWORD),
    ];
    let (status, body) = call(&admin, "/api/users/create", &form).await;
    assert_eq!(status, 409);
    assert_eq!(
        body,
        serde_json::json!({ "Conflict": "A user with this email already exists." })
    );
    assert!(app.audit_entries("user.create").await.is_empty());
}

#[tokio::test]
async fn invalid_input_is_refused_naming_the_field() {
    let (app, admin) = app_with_admin().await;
    let cases = [
        ("not-an-email", "viewer", NEW_PASSWORD, "email"),
        ("ok@example.com", "viewer", "short", "password"),
        ("ok@example.com", "root", NEW_PASSWORD, "role"),
    ];
    for (email, role, password, field) in cases {
        let form = [
            ("email", email),
            ("display_name", "X"),
            ("role", role),
            ("password", password),
        ];
        let (status, body) = call(&admin, "/api/users/create", &form).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["Validation"]["field"], field, "{body}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 1, "only the admin exists");
}

#[tokio::test]
async fn changing_a_role_ends_that_users_sessions_and_is_audited() {
    let (app, admin) = app_with_admin().await;
    let (target_browser, target) = signed_in_target(&app, Role::Viewer).await;
    let (status, body) = set_role(&admin, &target, "operator").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "operator");
    assert!(target_browser.whoami().await.is_none(), "their browser is signed out");
    assert!(admin.whoami().await.is_some(), "the admin's own session continues");
    assert_eq!(
        role_and_disabled(&app, target.id).await,
        ("operator".to_string(), false)
    );
    let changes = audit_changes(&app, "user.set_role").await;
    assert_eq!(changes.len(), 1);
    let (before, after) = &changes[0];
    assert_eq!(before.as_ref().map(|b| b["role"].clone()), Some("viewer".into()));
    assert_eq!(after.as_ref().map(|a| a["role"].clone()), Some("operator".into()));
    // They sign in again with the new role.
    assert_eq!(
        target_browser
            .sign_in(&target.email, &target.password)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(target_browser.whoami().await.expect("signed in")["role"], "operator");
}

#[tokio::test]
async fn disabling_ends_sessions_and_blocks_sign_in_until_enabled() {
    let (app, admin) = app_with_admin().await;
    let (target_browser, target) = signed_in_target(&app, Role::Support).await;
    assert_eq!(set_disabled(&admin, &target, true).await.0, 200);
    assert!(target_browser.whoami().await.is_none());
    assert_eq!(
        target_browser
            .sign_in(&target.email, &target.password)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(set_disabled(&admin, &target, false).await.0, 200);
    assert_eq!(
        target_browser
            .sign_in(&target.email, &target.password)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(app.audit_entries("user.disable").await.len(), 1);
    assert_eq!(app.audit_entries("user.enable").await.len(), 1);
    let (before, after) = audit_changes(&app, "user.disable").await.remove(0);
    assert_eq!(
        (
            before.expect("before")["disabled"].clone(),
            after.expect("after")["disabled"].clone()
        ),
        (false.into(), true.into())
    );
}

#[tokio::test]
async fn resetting_a_password_ends_sessions_and_replaces_the_old_one() {
    let (app, admin) = app_with_admin().await;
    let (target_browser, target) = signed_in_target(&app, Role::Manager).await;
    let id = target.id.to_string();
    let (status, body) = reset_password(&admin, &id, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["generated_password"], Value::Null);
    assert!(target_browser.whoami().await.is_none());
    assert_eq!(
        app.browser()
            .sign_in(&target.email, &target.password)
            .await
            .status()
            .as_u16(),
        401,
        "old password refused"
    );
    assert_eq!(
        app.browser()
            .sign_in(&target.email, NEW_PASSWORD)
            .await
            .status()
            .as_u16(),
        200,
        "new password works"
    );

    let (status, body) = reset_password(&admin, &id, "").await;
    assert_eq!(status, 200, "{body}");
    let generated = body["generated_password"]
        .as_str()
        .expect("a generated password, returned once")
        .to_string();
    assert!(generated.len() >= 12);
    assert_eq!(
        app.browser().sign_in(&target.email, &generated).await.status().as_u16(),
        200
    );

    let changes = audit_changes(&app, "user.reset_password").await;
    assert_eq!(changes.len(), 2);
    let text = format!("{changes:?}");
    assert!(
        !text.contains(NEW_PASSWORD) && !text.contains(&generated) && !text.contains("argon2"),
        "{text}"
    );

    let (status, body) = reset_password(&admin, &id, "short").await;
    assert_eq!((status, body["Validation"]["field"].as_str()), (422, Some("password")));
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_demote_or_disable_themselves() {
    let app = TestApp::spawn().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    // A disabled admin does not count.
    let dormant = app.create_user(Role::Admin).await;
    sqlx::query("UPDATE users SET disabled = true WHERE id = $1")
        .bind(dormant.id)
        .execute(&app.db)
        .await
        .expect("disable");

    let (status, body) = set_role(&admin, &me, "operator").await;
    assert_eq!(
        (status, body.clone()),
        (
            409,
            serde_json::json!({ "Conflict": "There must always be at least one enabled admin." })
        )
    );
    assert_eq!(set_disabled(&admin, &me, true).await.0, 409);
    assert_eq!(
        role_and_disabled(&app, me.id).await,
        ("admin".to_string(), false),
        "nothing changed"
    );
    assert!(admin.whoami().await.is_some(), "still signed in");
    assert!(app.audit_entries("user.set_role").await.is_empty());
    assert!(app.audit_entries("user.disable").await.is_empty());

    // With a second enabled admin, stepping down is allowed.
    assert_eq!(set_disabled(&admin, &dormant, false).await.0, 200);
    assert_eq!(set_role(&admin, &me, "operator").await.0, 200);
    assert!(admin.whoami().await.is_none(), "their own sessions end too");
}

#[tokio::test]
async fn non_admins_are_refused_and_each_refusal_is_audited_once() {
    let app = TestApp::spawn().await;
    let (operator, operator_user) = app.signed_in(Role::Operator).await;
    let target = app.create_user(Role::Viewer).await;
    let (status, _) = set_role(&operator, &target, "admin").await;
    assert_eq!(status, 403);
    assert_eq!(role_and_disabled(&app, target.id).await.0, "viewer");
    assert_eq!(
        app.audit_entries("access.denied").await,
        vec![(
            "denied".into(),
            Some(operator_user.email),
            Some("/api/users/set-role".into())
        )]
    );
    let others = [
        "list",
        "create",
        "set-disabled",
        "reset-password",
        "sessions",
        "end-session",
    ];
    for path in others.map(|name| format!("/api/users/{name}")) {
        let path = path.as_str();
        assert_eq!(
            call(&operator, path, &[("user_id", &target.id.to_string())]).await.0,
            403,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_admin_sees_a_users_sessions_and_ends_one() {
    let (app, admin) = app_with_admin().await;
    let (laptop, target) = signed_in_target(&app, Role::Viewer).await;
    let phone = app.browser();
    assert_eq!(
        phone.sign_in(&target.email, &target.password).await.status().as_u16(),
        200
    );
    let id = target.id.to_string();

    let (status, sessions) = call(&admin, "/api/users/sessions", &[("user_id", &id)]).await;
    assert_eq!(status, 200, "{sessions}");
    let sessions = sessions.as_array().expect("a list").clone();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    for session in &sessions {
        assert_eq!(session["client_ip"], "127.0.0.1");
        assert!(
            session["signed_in_at"].is_string() && session["expires_at"].is_string(),
            "{session}"
        );
        assert_eq!(session["current"], false);
        let handle = session["handle"].as_str().expect("handle");
        for browser in [&laptop, &phone] {
            assert!(
                !browser.session_id().expect("id").contains(handle),
                "the session id itself is never shown"
            );
        }
    }
    let (status, mine) = call(
        &admin,
        "/api/users/sessions",
        &[("user_id", &admin_id(&admin).await.to_string())],
    )
    .await;
    assert_eq!((status, mine[0]["current"].as_bool()), (200, Some(true)), "{mine}");

    // End one of the two; the other browser stays signed in.
    let handle = sessions[0]["handle"].as_str().expect("handle").to_string();
    let (status, body) = call(
        &admin,
        "/api/users/end-session",
        &[("user_id", &id), ("session", &handle)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let signed_in = [laptop.whoami().await.is_some(), phone.whoami().await.is_some()];
    assert_eq!(
        signed_in.iter().filter(|s| **s).count(),
        1,
        "exactly one browser signed out: {signed_in:?}"
    );
    let entries = app.audit_entries("session.end").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].2, Some(id.clone()));

    let (status, body) = call(
        &admin,
        "/api/users/end-session",
        &[("user_id", &id), ("session", &handle)],
    )
    .await;
    assert_eq!(status, 409, "already ended: {body}");
    let (_, remaining) = call(&admin, "/api/users/sessions", &[("user_id", &id)]).await;
    assert_eq!(remaining.as_array().map(Vec::len), Some(1));
}

async fn admin_id(admin: &Browser) -> i64 {
    admin.whoami().await.expect("signed in")["id"].as_i64().expect("id")
}

#[tokio::test]
async fn the_list_searches_email_and_name_literally() {
    let (_app, admin) = app_with_admin().await;
    for (email, name) in [
        ("zed@example.com", "Zed Shaw"),
        ("ada@example.com", "Ada 100% Lovelace"),
        ("bob@example.com", "Bob_Builder"),
    ] {
        let form = [
            ("email", email),
            ("display_name", name),
            ("role", "viewer"),
            ("password", NEW_PASSWORD),
        ];
        assert_eq!(call(&admin, "/api/users/create", &form).await.0, 200);
    }
    let emails = |body: &Value| -> Vec<String> {
        body["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["email"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (status, all) = call(&admin, "/api/users/list", &[]).await;
    assert_eq!(status, 200, "{all}");
    let listed = emails(&all);
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0], "ada@example.com");
    let mut sorted = listed.clone();
    sorted.sort_by_key(|e| e.to_lowercase());
    assert_eq!(listed, sorted, "sorted by email");
    assert_eq!(
        emails(&call(&admin, "/api/users/list", &[("q", "LOVE")]).await.1),
        ["ada@example.com"]
    );
    assert_eq!(
        emails(&call(&admin, "/api/users/list", &[("q", "%")]).await.1),
        ["ada@example.com"],
        "% is literal"
    );
    assert_eq!(
        emails(&call(&admin, "/api/users/list", &[("q", "_")]).await.1),
        ["bob@example.com"],
        "_ is literal"
    );
    assert!(emails(&call(&admin, "/api/users/list", &[("q", "nobody")]).await.1).is_empty());
}

#[tokio::test]
async fn a_change_whose_audit_entry_cannot_be_written_is_rolled_back() {
    let (app, admin) = app_with_admin().await;
    let (target_browser, target) = signed_in_target(&app, Role::Viewer).await;
    sqlx::query("ALTER TABLE audit_log ADD CONSTRAINT test_refuse_all CHECK (false) NOT VALID")
        .execute(&app.db)
        .await
        .expect("constraint");
    let (status, body) = set_role(&admin, &target, "admin").await;
    sqlx::query("ALTER TABLE audit_log DROP CONSTRAINT test_refuse_all")
        .execute(&app.db)
        .await
        .expect("drop constraint");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, serde_json::json!("Internal"), "no internals reach the client");
    assert_eq!(
        role_and_disabled(&app, target.id).await.0,
        "viewer",
        "the change was rolled back"
    );
    assert!(
        target_browser.whoami().await.is_some(),
        "no session was ended for a change that did not happen"
    );
}

/// Posts a Users page form as a browser without JavaScript; answers where it
/// was redirected to.
async fn from_users_page(admin: &Browser, path: &str, form: &[(&str, &str)]) -> String {
    admin.post_without_js(path, "/users", form).await
}

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("text body"))
}

#[tokio::test]
async fn the_users_page_renders_on_the_server_with_search_sessions_and_forms() {
    let app = TestApp::spawn().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let (_, target) = signed_in_target(&app, Role::Viewer).await;

    let (status, html) = page(&admin, "/users").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Users · Opsdeck</title>"), "{html}");
    assert!(
        html.contains(&me.email) && html.contains(&target.email),
        "both users listed"
    );
    for label in [
        ">Email</label>",
        ">Display name</label>",
        ">Role</label>",
        ">Password</label>",
        "Search by email or name",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(
        html.contains("Yes, disable") && html.contains("Reset password"),
        "row actions rendered"
    );

    let (_, found) = page(&admin, &format!("/users?q={}", &target.email[..12])).await;
    assert!(
        found.contains(&target.email) && !found.contains(&format!("<td>{}", me.email)),
        "search narrows the list"
    );
    let (_, none) = page(&admin, "/users?q=nobody-at-all").await;
    assert!(none.contains("No user matches"), "empty state");

    let (_, sessions) = page(&admin, &format!("/users?sessions={}", target.id)).await;
    assert!(
        sessions.contains(&format!("Active sessions of {}", target.email)),
        "sessions panel"
    );
    assert!(
        sessions.contains("127.0.0.1") && sessions.contains(">End</button>"),
        "a session with its End button"
    );
}

#[tokio::test]
async fn without_javascript_errors_come_back_to_the_form_and_changes_apply() {
    let (app, admin) = app_with_admin().await;
    let form = [
        ("email", "not-an-email"),
        ("display_name", ""),
        ("role", "viewer"),
        ("password", NEW_PASSWORD),
    ];
    let back = from_users_page(&admin, "/api/users/create", &form).await;
    assert!(back.starts_with("/users?") && back.contains("__err="), "{back}");
    let (_, html) = page(&admin, &back).await;
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "the field error is shown"
    );

    let target = app.create_user(Role::Viewer).await;
    let id = target.id.to_string();
    let back = from_users_page(&admin, "/api/users/set-role", &[("user_id", &id), ("role", "support")]).await;
    assert_eq!(back.trim_end_matches('?'), "/users", "back to the page, no error");
    assert_eq!(role_and_disabled(&app, target.id).await.0, "support");
    let back = from_users_page(
        &admin,
        "/api/users/set-disabled",
        &[("user_id", &id), ("disabled", "true")],
    )
    .await;
    assert_eq!(back.trim_end_matches('?'), "/users", "back to the page, no error");
    let (_, html) = page(&admin, &back).await;
    assert!(
        html.contains("Disabled") && html.contains(">Enable</button>"),
        "the list shows the change"
    );
}

#[tokio::test]
async fn without_javascript_a_reset_needs_a_typed_password() {
    let (app, admin) = app_with_admin().await;
    let target = app.create_user(Role::Viewer).await;
    let back = from_users_page(
        &admin,
        "/api/users/reset-password",
        &[("user_id", &target.id.to_string()), ("password", "")],
    )
    .await;
    let (_, html) = page(&admin, &back).await;
    assert!(html.contains("type the new password"), "explains why");
    assert_eq!(
        app.browser()
            .sign_in(&target.email, &target.password)
            .await
            .status()
            .as_u16(),
        200,
        "password unchanged"
    );
    assert!(app.audit_entries("user.reset_password").await.is_empty());
}
