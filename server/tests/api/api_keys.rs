//! API keys: admins create (shown once), revoke and expire them, each
//! audited; only a hash is stored; `opsdeck api-key create` for scripts.

use std::process::Command;

use app::auth::permissions::Role;
use serde_json::Value;

use crate::helpers::{Browser, TestApp};

async fn call(browser: &Browser, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn create(admin: &Browser, name: &str) -> (u16, Value) {
    call(
        admin,
        "/api/api-keys/create",
        &[("name", name), ("scope_ingest", "true"), ("expires_in_days", "30")],
    )
    .await
}

/// Every column of every key row, as text.
async fn key_rows_text(app: &TestApp) -> String {
    sqlx::query_scalar::<_, String>("SELECT coalesce(string_agg(row_to_json(k)::text, ' '), '') FROM api_keys k")
        .fetch_one(&app.db)
        .await
        .expect("rows")
}

async fn ingest_status(app: &TestApp, key: &str) -> u16 {
    let body = serde_json::json!({ "requests": [crate::ingest::request(0)] });
    app.client
        .post(format!("{}/api/v1/ingest", app.address))
        .bearer_auth(key)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

/// The `opsdeck` command on `app`'s database, with the tests' audit key.
fn opsdeck_on(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    command
        .env("OPSDECK_AUDIT_KEY", crate::helpers::TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env(
            "DATABASE_URL",
            format!("{}/{}", crate::helpers::database_server_url(), app.db_name),
        );
    command
}

/// Sets key `id`'s expiry date (empty: never) as `admin`.
async fn set_expiry(admin: &Browser, id: &str, on: &str) -> (u16, Value) {
    call(admin, "/api/api-keys/set-expiry", &[("key_id", id), ("expires_on", on)]).await
}

#[tokio::test]
async fn an_admin_creates_a_key_shown_once_and_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let (status, body) = create(&admin, " checkout ").await;
    assert_eq!(status, 200, "{body}");
    let secret = body["secret"].as_str().expect("the key, once").to_string();
    assert!(secret.starts_with("odk_") && secret.len() == 45, "{secret}");
    assert_eq!(body["key"]["name"], "checkout");
    assert_eq!(body["key"]["scopes"], serde_json::json!(["Ingest"]));
    assert!(body["key"]["expires_at"].is_string());
    let id = body["key"]["id"].as_i64().expect("id");

    let hash: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(hash, app::api_keys::ssr::secret::hash_key(&secret).to_vec());
    let secret_part = secret.rsplit('_').next().unwrap_or_default();
    assert!(
        !key_rows_text(&app).await.contains(secret_part),
        "the key itself is not stored"
    );

    let entries = app.audit_entries("api_key.create").await;
    assert_eq!(
        entries,
        vec![("success".into(), Some(admin_user.email.clone()), Some(id.to_string()))]
    );
    let after: Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'api_key.create'")
        .fetch_one(&app.db)
        .await
        .expect("after");
    assert!(
        !after.to_string().contains(secret_part),
        "the key is not in the audit log"
    );

    let (status, list) = call(&admin, "/api/api-keys/list", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(secret_part), "listing never shows the key");

    assert_eq!(ingest_status(&app, &secret).await, 202);
    let (_, list) = call(&admin, "/api/api-keys/list", &[]).await;
    assert!(list[0]["last_used_at"].is_string(), "last use shown: {list}");
}

#[tokio::test]
async fn revoking_and_expiring_are_audited_and_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (_, first) = create(&admin, "first").await;
    let (_, second) = create(&admin, "second").await;
    let first_id = first["key"]["id"].as_i64().expect("id").to_string();
    let second_id = second["key"]["id"].as_i64().expect("id").to_string();

    let (status, body) = call(&admin, "/api/api-keys/revoke", &[("key_id", &first_id)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked_at"].is_string());
    assert_eq!(
        ingest_status(&app, first["secret"].as_str().unwrap_or_default()).await,
        401
    );
    assert_eq!(app.audit_entries("api_key.revoke").await.len(), 1);
    let (status, _) = set_expiry(&admin, &first_id, "2030-01-01").await;
    assert_eq!(status, 409, "a revoked key stays revoked");

    let (status, body) = set_expiry(&admin, &second_id, "2020-01-01").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        ingest_status(&app, second["secret"].as_str().unwrap_or_default()).await,
        401
    );
    let (status, _) = set_expiry(&admin, &second_id, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        ingest_status(&app, second["secret"].as_str().unwrap_or_default()).await,
        202,
        "never expires again"
    );
    assert_eq!(app.audit_entries("api_key.set_expiry").await.len(), 2);

    let (status, body) = set_expiry(&admin, &second_id, "soon").await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (422, Some("expires_on"))
    );
    let (status, body) = call(&admin, "/api/api-keys/create", &[("name", "no scope")]).await;
    assert_eq!((status, body["Validation"]["field"].as_str()), (422, Some("scopes")));
}

#[tokio::test]
async fn only_admins_manage_api_keys() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.get("/settings/api-keys").await.status().as_u16(), 403);
    for path in [
        "/api/api-keys/list",
        "/api/api-keys/create",
        "/api/api-keys/revoke",
        "/api/api-keys/set-expiry",
    ] {
        let (status, _) = call(
            &viewer,
            path,
            &[("name", "x"), ("scope_ingest", "true"), ("key_id", "1")],
        )
        .await;
        assert_eq!(status, 403, "{path}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 0);

    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin.get("/settings/api-keys").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap_or_default().contains("Create API key"));
    let settings = admin.get("/settings").await.text().await.unwrap_or_default();
    assert!(
        settings.contains("href=\"/settings/api-keys\""),
        "Settings links to API keys"
    );
}

#[tokio::test]
async fn the_cli_prints_a_new_key_once_and_audits_it() {
    let app = TestApp::spawn().await;
    let output = opsdeck_on(&app)
        .args(["api-key", "create", "--name", "ci", "--scope", "ingest"])
        .env("OPSDECK_LOG", "warn")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout is the key alone: {stdout}");
    let key = lines[0];
    assert!(key.starts_with("odk_"));
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(key),
        "the key is printed once"
    );

    assert_eq!(
        app.audit_entries("api_key.create")
            .await
            .iter()
            .map(|(o, actor, _)| (o.as_str(), actor.clone()))
            .collect::<Vec<_>>(),
        vec![("success", Some("cli".to_string()))]
    );
    assert!(
        !key_rows_text(&app)
            .await
            .contains(key.rsplit('_').next().unwrap_or_default())
    );
    assert_eq!(ingest_status(&app, key).await, 202);

    let refused = opsdeck_on(&app)
        .args(["api-key", "create", "--name", "x", "--scope", "admin"])
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown scope"));
}
