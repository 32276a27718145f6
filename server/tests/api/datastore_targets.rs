//! Data stores admins add beside Opsdeck's own: one click from a backup
//! target (its URL sealed anew, never sent back), by URL (Postgres and
//! Redis), refused field by field, admins only and audited; "Test
//! connection" saying exactly what failed against real failures; and the
//! leader's collector reading real targets while a dead one is recorded
//! down with its reason.

use app::auth::permissions::Role;
use app::secrets::DATA_STORE_URL;
use serde_json::Value;
use sqlx::Executor;
use uuid::Uuid;

use crate::backups::post_ok;
use crate::datastores::newest;
use crate::helpers::{Browser, TestApp, closed_port, database_server_url, fresh_database, redis_url, test_keys};

/// In the backup target's URL, so a plaintext copy anywhere is found.
const MARKER: &str = "pw-1812-never-shown";

/// A URL of `database` with a password (the test server trusts, ignoring it).
fn url_with_password(database: &str) -> String {
    let server = database_server_url();
    let server = match server.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if !user.contains(':') => format!("{scheme}://{user}:{MARKER}@{host}"),
            _ => server.clone(),
        },
        None => server.clone(),
    };
    format!("{server}/{database}")
}

/// `url` with another user (and no password, unless `user` is `name:password`).
pub(crate) fn as_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{host}")
}

pub(crate) async fn status_of(browser: &Browser, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The field a 422 answer names (`Validation`), or every field (`Fields`).
pub(crate) fn fields(body: &Value) -> Vec<String> {
    if let Some(field) = body["Validation"]["field"].as_str() {
        return vec![field.to_string()];
    }
    body["Fields"]
        .as_array()
        .map(|all| all.iter().filter_map(|f| f[0].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub(crate) fn message(body: &Value) -> String {
    body["Validation"]["message"].as_str().unwrap_or_default().to_string()
}

pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// A form and the fields its refusal must name.
type Refusal<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

pub(crate) async fn add(admin: &Browser, name: &str, url: &str) -> Value {
    post_ok(
        admin,
        "/api/datastores/target-add",
        &[("name", name), ("connection_url", url), ("interval_secs", "10")],
    )
    .await
}

#[tokio::test]
async fn a_backup_target_becomes_a_watched_target_in_one_click_and_its_url_stays_sealed() {
    let app = TestApp::spawn().await;
    let (admin, user) = app.signed_in(Role::Admin).await;
    let source = fresh_database().await;
    let backup_url = url_with_password(&source.name);
    let backup = post_ok(
        &admin,
        "/api/backups/save-target",
        &[("name", "orders"), ("connection_url", &backup_url)],
    )
    .await;
    let backup_id = backup["id"].as_i64().expect("id").to_string();
    let listed = post_ok(&admin, "/api/datastores/targets", &[]).await;
    assert_eq!(listed["backup_sources"][0]["name"], "orders", "{listed}");
    assert_eq!(listed["backup_sources"][0]["monitored"], false);

    let target = post_ok(
        &admin,
        "/api/datastores/target-from-backup",
        &[("backup_target_id", &backup_id)],
    )
    .await;
    assert_eq!(target["name"], "orders");
    assert_eq!(target["service"], "pg:orders");
    assert_eq!(target["kind"], "postgres");
    assert_eq!(target["from_backup"], "orders");
    assert_eq!(target["interval_secs"], 60);

    let stored: String = sqlx::query_scalar("SELECT connection_url FROM data_store_targets WHERE name = 'orders'")
        .fetch_one(&app.db)
        .await
        .expect("stored");
    println!("stored connection_url: {stored}");
    assert!(stored.starts_with("enc:v1:") && !stored.contains(MARKER), "{stored}");
    assert_eq!(
        test_keys().open(DATA_STORE_URL, &stored).as_deref(),
        Ok(backup_url.as_str())
    );

    // A second click is refused: it is watched already.
    let (status, body) = status_of(
        &admin,
        "/api/datastores/target-from-backup",
        &[("backup_target_id", &backup_id)],
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // No answer holds the URL, sealed or not.
    let id = target["id"].as_i64().expect("id").to_string();
    let answers = [
        target.to_string(),
        post_ok(&admin, "/api/datastores/targets", &[]).await.to_string(),
        post_ok(&admin, "/api/datastores/overview", &[]).await.to_string(),
        post_ok(&admin, "/api/datastores/target", &[("target_id", &id)])
            .await
            .to_string(),
        admin.get("/datastores").await.text().await.expect("page"),
        admin
            .get(&format!("/datastores/target?id={id}"))
            .await
            .text()
            .await
            .expect("page"),
    ];
    for answer in &answers {
        assert!(!answer.contains(MARKER) && !answer.contains("enc:v1"), "{answer}");
    }
    assert!(answers[4].contains("orders"), "the page lists it");

    let entries = app.audit_entries("datastore.target.create").await;
    assert_eq!(
        entries,
        vec![("success".to_string(), Some(user.email.clone()), Some(id.clone()))]
    );
    let after: Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'datastore.target.create'")
        .fetch_one(&app.db)
        .await
        .expect("after");
    assert!(
        !after.to_string().contains(MARKER) && !after.to_string().contains("enc:v1"),
        "{after}"
    );
}

#[tokio::test]
async fn targets_are_added_by_url_and_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let other = fresh_database().await;
    let pg = add(
        &admin,
        "warehouse",
        &format!("{}/{}", database_server_url(), other.name),
    )
    .await;
    assert_eq!(pg["kind"], "postgres");
    assert_eq!(pg["location"].as_str().map(|l| l.ends_with(&other.name)), Some(true));
    let redis = add(&admin, "cache", &redis_url()).await;
    assert_eq!(redis["kind"], "redis");
    assert_eq!(redis["service"], "redis:cache");
    let tls = add(&admin, "cache-tls", "rediss://:secret@cache.example.com:6380/1").await;
    assert_eq!(tls["location"], "cache.example.com:6380/1 (TLS)");

    let refusals: [Refusal; 6] = [
        (
            &[
                ("name", "warehouse"),
                ("connection_url", "redis://127.0.0.1"),
                ("interval_secs", "60"),
            ],
            &["name"],
        ),
        (
            &[
                ("name", ""),
                ("connection_url", "redis://127.0.0.1"),
                ("interval_secs", "60"),
            ],
            &["name"],
        ),
        (
            &[
                ("name", "x"),
                ("connection_url", "mysql://h/db"),
                ("interval_secs", "60"),
            ],
            &["connection_url"],
        ),
        (
            &[
                ("name", "x"),
                ("connection_url", "redis://127.0.0.1"),
                ("interval_secs", "9"),
            ],
            &["interval_secs"],
        ),
        (
            &[
                ("name", "x"),
                ("connection_url", "redis://127.0.0.1"),
                ("interval_secs", "3601"),
            ],
            &["interval_secs"],
        ),
        (
            &[
                ("name", "</textarea><script>\""),
                ("connection_url", ""),
                ("interval_secs", ""),
            ],
            &["name", "connection_url", "interval_secs"],
        ),
    ];
    for (form, expected) in refusals {
        let (status, body) = status_of(&admin, "/api/datastores/target-add", form).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert_eq!(fields(&body), expected, "{form:?}: {body}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM data_store_targets")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 3, "nothing refused was stored");

    // Without JavaScript the refusal comes back to the page with what was
    // typed, escaped, and never the URL.
    let form = [
        ("name", "</textarea><script>\""),
        ("connection_url", "postgres://u:hunter2@h/db"),
        ("interval_secs", "30"),
    ];
    let back = admin
        .post_without_js("/api/datastores/target-add", "/datastores", &form)
        .await;
    assert!(back.starts_with("/datastores?") && back.contains("__err="), "{back}");
    assert!(!back.contains("hunter2"), "{back}");
    let page = admin.get(&back).await.text().await.expect("page");
    assert!(!page.contains("</textarea><script>\""), "escaped");
    assert!(page.contains("&lt;/textarea&gt;&lt;script&gt;"), "kept what was typed");
    assert!(!page.contains("hunter2"));
}

#[tokio::test]
async fn only_admins_manage_targets_and_every_change_is_audited() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let target = add(&admin, "cache", &redis_url()).await;
    let id = target["id"].as_i64().expect("id").to_string();
    for role in [Role::Operator, Role::Manager] {
        let (browser, _) = app.signed_in(role).await;
        let calls: [(&str, &[(&str, &str)]); 8] = [
            ("/api/datastores/targets", &[]),
            (
                "/api/datastores/target-add",
                &[("name", "x"), ("connection_url", "redis://h"), ("interval_secs", "60")],
            ),
            ("/api/datastores/target-from-backup", &[("backup_target_id", "1")]),
            (
                "/api/datastores/target-enabled",
                &[("target_id", &id), ("enabled", "false")],
            ),
            (
                "/api/datastores/target-interval",
                &[("target_id", &id), ("interval_secs", "60")],
            ),
            ("/api/datastores/target-delete", &[("target_id", &id)]),
            ("/api/datastores/test-connection", &[("connection_url", "redis://h")]),
            ("/api/datastores/target-test", &[("target_id", &id)]),
        ];
        for (path, form) in calls {
            let (status, _) = status_of(&browser, path, form).await;
            assert_eq!(status, 403, "{role:?} {path}");
        }
        let page = browser.get("/datastores").await.text().await.expect("page");
        assert!(page.contains("tile-redis:cache"), "{role:?} sees the tile");
        assert!(
            !page.contains("targets-admin") && !page.contains("Add data store"),
            "{role:?}: no management"
        );
    }

    let off = post_ok(
        &admin,
        "/api/datastores/target-enabled",
        &[("target_id", &id), ("enabled", "false")],
    )
    .await;
    assert_eq!(off["enabled"], false);
    assert!(
        off["reason"].as_str().is_some_and(|r| r.starts_with("Switched off")),
        "{off}"
    );
    let (status, body) = status_of(
        &admin,
        "/api/datastores/target-interval",
        &[("target_id", &id), ("interval_secs", "5")],
    )
    .await;
    assert_eq!((status, fields(&body)), (422, vec!["interval_secs".to_string()]));
    let slower = post_ok(
        &admin,
        "/api/datastores/target-interval",
        &[("target_id", &id), ("interval_secs", "120")],
    )
    .await;
    assert_eq!(slower["interval_secs"], 120);
    post_ok(&admin, "/api/datastores/target-delete", &[("target_id", &id)]).await;
    let (status, _) = status_of(&admin, "/api/datastores/target-delete", &[("target_id", &id)]).await;
    assert_eq!(status, 404, "gone");

    let changes: Vec<(String, Option<Value>, Option<Value>)> = sqlx::query_as(
        "SELECT action, before, after FROM audit_log WHERE action LIKE 'datastore.target.%' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit");
    let actions: Vec<&str> = changes.iter().map(|(action, _, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "datastore.target.create",
            "datastore.target.update",
            "datastore.target.update",
            "datastore.target.delete"
        ]
    );
    assert_eq!(
        changes[1].1.as_ref().map(|b| b["enabled"].clone()),
        Some(Value::Bool(true))
    );
    assert_eq!(
        changes[1].2.as_ref().map(|a| a["enabled"].clone()),
        Some(Value::Bool(false))
    );
    assert_eq!(
        changes[2].2.as_ref().map(|a| a["interval_secs"].clone()),
        Some(Value::from(120))
    );
    let refused = app.audit_entries("access.denied").await;
    assert!(!refused.is_empty(), "refusals are audited");
}

#[tokio::test]
async fn test_connection_says_exactly_what_failed() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let server = database_server_url();
    let role = format!("opsdeck_nomonitor_{}", Uuid::new_v4().simple());
    app.db
        .execute(format!(r#"CREATE ROLE "{role}" LOGIN"#).as_str())
        .await
        .expect("role");
    let port = closed_port();
    let cases = [
        (format!("postgres://u@127.0.0.1:{port}/db"), "Connection refused"),
        (
            "postgres://u@nohost.invalid:5432/db".to_string(),
            "DNS: name not resolved",
        ),
        (
            format!("{}/{}", as_user(&server, "no_such_role_1812"), app.db_name),
            "Authentication failed",
        ),
        (format!("{server}/no_such_database_1812"), "No such database"),
        (
            format!("{}/{}", as_user(&server, &role), app.db_name),
            "Permission denied",
        ),
        (format!("redis://127.0.0.1:{port}"), "Connection refused"),
        ("redis://nohost.invalid:6379".to_string(), "DNS: name not resolved"),
    ];
    for (url, says) in &cases {
        let (status, body) = status_of(&admin, "/api/datastores/test-connection", &[("connection_url", url)]).await;
        println!("{url} → {status} {}", message(&body));
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(fields(&body), ["connection_url"], "{url}");
        assert!(message(&body).starts_with(says), "{url}: {body}");
    }
    let (_, body) = status_of(
        &admin,
        "/api/datastores/test-connection",
        &[(
            "connection_url",
            &format!("{}/{}", as_user(&server, &role), app.db_name),
        )],
    )
    .await;
    assert!(message(&body).contains("pg_monitor"), "says what to grant: {body}");
    app.db
        .execute(format!(r#"DROP ROLE "{role}""#).as_str())
        .await
        .expect("drop role");

    for url in [format!("{server}/{}", app.db_name), redis_url()] {
        let body = post_ok(&admin, "/api/datastores/test-connection", &[("connection_url", &url)]).await;
        assert!(body.as_str().is_some_and(|m| m.starts_with("Connected to")), "{body}");
    }

    // A saved target is tested the same way.
    let dead = add(&admin, "dead", &format!("postgres://u@127.0.0.1:{port}/db")).await;
    let id = dead["id"].as_i64().expect("id").to_string();
    let (status, body) = status_of(&admin, "/api/datastores/target-test", &[("target_id", &id)]).await;
    assert_eq!(status, 422);
    assert!(message(&body).starts_with("Connection refused"), "{body}");

    // Without JavaScript, a success comes back in the page's query.
    let back = admin
        .post_without_js(
            "/api/datastores/test-connection",
            "/datastores",
            &[("connection_url", &redis_url())],
        )
        .await;
    assert!(back.starts_with("/datastores?connection_ok=Connected"), "{back}");
}

#[tokio::test]
async fn the_collector_reads_added_targets_and_records_a_dead_one_down_with_its_reason() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_COLLECT_SECS", "1")
        .spawn()
        .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let other = fresh_database().await;
    let pg_name = unique("warehouse");
    let redis_name = unique("cache");
    add(&admin, &pg_name, &format!("{}/{}", database_server_url(), other.name)).await;
    add(&admin, &redis_name, &redis_url()).await;
    add(&admin, "dead", &format!("postgres://u@127.0.0.1:{}/db", closed_port())).await;

    let pg = format!("pg:{pg_name}");
    assert_eq!(newest(&app, &pg, "pg.up", "{}", |_| true).await, Some(1.0));
    let total = newest(&app, &pg, "pg.connections.total", "{}", |v| v >= 1.0).await;
    assert!(total.is_some_and(|v| v >= 1.0), "{total:?}");
    let size = newest(&app, &pg, "pg.database.size_bytes", "{}", |v| v > 0.0).await;
    assert!(
        size.is_some_and(|v| v > 1_000_000.0),
        "the other database's size: {size:?}"
    );
    let redis = format!("redis:{redis_name}");
    assert_eq!(newest(&app, &redis, "redis.up", "{}", |_| true).await, Some(1.0));
    let memory = newest(&app, &redis, "redis.memory.used_bytes", "{}", |v| v > 0.0).await;
    assert!(memory.is_some_and(|v| v > 0.0), "{memory:?}");
    assert_eq!(newest(&app, "pg:dead", "pg.up", "{}", |_| true).await, Some(0.0));
    // What one reading of each cost, sampled beside its numbers.
    for service in [&pg, &redis] {
        let ms = newest(&app, service, "collector.read_ms", "{}", |v| v > 0.0).await;
        println!("{service}: one reading took {ms:?} ms");
        assert!(ms.is_some_and(|ms| ms > 0.0 && ms < 10_000.0), "{service}: {ms:?}");
    }

    let status: Vec<(String, bool, Option<String>)> = sqlx::query_as(
        "SELECT service, ok, reason FROM data_store_status WHERE service IN ($1, $2, 'pg:dead') ORDER BY service",
    )
    .bind(&pg)
    .bind(&redis)
    .fetch_all(&app.db)
    .await
    .expect("status");
    println!("{status:?}");
    let dead = status
        .iter()
        .find(|(service, _, _)| service == "pg:dead")
        .expect("dead recorded");
    assert!(
        !dead.1 && dead.2.as_deref().is_some_and(|r| r.starts_with("Connection refused")),
        "{dead:?}"
    );
    assert!(status.iter().filter(|(_, ok, _)| *ok).count() == 2, "{status:?}");

    // The page's tiles say so, for a manager too.
    let (manager, _) = app.signed_in(Role::Manager).await;
    let overview = post_ok(&manager, "/api/datastores/overview", &[]).await;
    let tiles = overview["targets"].as_array().expect("tiles");
    let tile = |name: &str| tiles.iter().find(|t| t["name"] == name).cloned().expect("tile");
    assert_eq!(tile(&pg_name)["status"], "up");
    assert_eq!(tile("dead")["status"], "down");
    assert!(
        tile("dead")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Connection refused"))
    );
    let id = tile(&pg_name)["id"].as_i64().expect("id").to_string();
    let page = post_ok(&manager, "/api/datastores/target", &[("target_id", &id)]).await;
    assert_eq!(page["store"]["service"], pg);
}
