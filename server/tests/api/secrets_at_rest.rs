//! Secrets at rest: backup targets' connection URLs and channels' addresses
//! and signing secrets are stored encrypted, rows stored before that are
//! encrypted at start-up, `opsdeck secrets rotate` moves every row to a new
//! key, and a missing or wrong key stops Opsdeck with a clear error.

use std::process::{Command, Output};

use app::auth::permissions::Role;
use app::secrets::{BACKUP_URL, CHANNEL_SECRET, CHANNEL_URL, Keyring, key_id};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::backups::{post_ok, run_backup};
use crate::helpers::{TEST_AUDIT_KEY, TEST_SECRETS_KEY, TestApp, database_server_url, fresh_database, test_keys};

const NEW_KEY: &str = "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9";
/// In every secret below, so a plaintext copy anywhere is found.
const MARKER: &str = "pw-4711-never-shown";

/// A connection URL of `database` carrying a password (ignored by the
/// test server's trust authentication).
fn url_with_password(database: &str) -> String {
    let server = database_server_url();
    let with_password = match server.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if !user.contains(':') => format!("{scheme}://{user}:{MARKER}@{host}"),
            _ => server.clone(),
        },
        None => server.clone(),
    };
    format!("{with_password}/{database}?application_name={MARKER}")
}

fn hook_url() -> String {
    format!("https://hooks.example.com/services/T0/B0/{MARKER}")
}

/// The three sealed columns as stored: (connection URLs, channel addresses, channel secrets).
async fn stored(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT connection_url FROM backup_targets WHERE connection_url IS NOT NULL \
         UNION ALL SELECT url FROM notification_channels UNION ALL SELECT secret FROM notification_channels",
    )
    .fetch_all(pool)
    .await
    .expect("sealed columns")
}

fn assert_sealed_with(values: &[String], key: &Keyring) {
    assert!(!values.is_empty());
    for value in values {
        assert!(value.starts_with(&format!("enc:v1:{}:", key.current_id())), "{value}");
        assert!(
            !value.contains(MARKER) && !value.contains("whsec_") && !value.contains("hooks.example.com"),
            "no plaintext: {value}"
        );
    }
}

/// Rows written as a release before encryption wrote them.
async fn insert_plaintext(pool: &PgPool, target_url: &str) {
    sqlx::query("INSERT INTO backup_targets (name, connection_url, display_location) VALUES ('legacy', $1, 'old')")
        .bind(target_url)
        .execute(pool)
        .await
        .expect("legacy target");
    sqlx::query(
        "INSERT INTO notification_channels (name, kind, url, secret) \
         VALUES ('legacy-hook', 'slack', $1, 'whsec_0123456789abcdef0123456789abcdef')",
    )
    .bind(hook_url())
    .execute(pool)
    .await
    .expect("legacy channel");
}

fn opsdeck(database: &str, key: &str, old_keys: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("DATABASE_URL", format!("{}/{database}", database_server_url()))
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", key)
        .env("OPSDECK_SECRETS_OLD_KEYS", old_keys)
        .env(
            "OPSDECK_BACKUP_DIR",
            std::env::temp_dir().join(format!("opsdeck-secrets-backups-{}", Uuid::new_v4().simple())),
        )
        .output()
        .expect("opsdeck runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn saved_secrets_are_stored_encrypted_never_shown_and_still_used() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let source = fresh_database().await;
    let target = post_ok(
        &admin,
        "/api/backups/save-target",
        &[
            ("name", "encrypted"),
            ("connection_url", &url_with_password(&source.name)),
        ],
    )
    .await;
    let target_id = target["id"].as_i64().expect("id");
    let channel = post_ok(
        &admin,
        "/api/alerts/channel-save",
        &[
            ("channel[name]", "ops-hook"),
            ("channel[kind]", "slack"),
            ("channel[url]", &hook_url()),
            ("channel[repeat_minutes]", "0"),
            ("channel[enabled]", "on"),
        ],
    )
    .await;
    let secret = channel["secret"].as_str().expect("shown once").to_string();

    let values = stored(&app.db).await;
    assert_eq!(values.len(), 3);
    assert_sealed_with(&values, &test_keys());
    assert!(values.iter().all(|v| !v.contains(&secret)));
    let opened: Vec<String> = [BACKUP_URL, CHANNEL_URL, CHANNEL_SECRET]
        .iter()
        .zip(&values)
        .map(|(column, value)| test_keys().open(*column, value).expect("opens"))
        .collect();
    assert_eq!(opened, [url_with_password(&source.name), hook_url(), secret]);

    // The pages never show the connection URL again; the admin's channel list shows where it sends.
    for page in ["/backups", &format!("/backups?target={target_id}")] {
        let html = admin.get(page).await.text().await.expect("page");
        assert!(html.contains("encrypted"), "{page} lists the target");
        assert!(!html.contains(MARKER), "{page} shows no connection URL");
    }
    let channels = post_ok(&admin, "/api/alerts/channels", &[]).await;
    assert_eq!(channels[0]["url"], Value::from(hook_url()));

    // pg_dump gets the opened URL.
    let run = run_backup(&admin, target_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
}

#[tokio::test]
async fn rows_stored_unencrypted_are_encrypted_at_start_up() {
    let app = TestApp::spawn().await;
    let source = fresh_database().await;
    insert_plaintext(&app.db, &url_with_password(&source.name)).await;
    assert!(stored(&app.db).await.iter().all(|v| !v.starts_with("enc:")));

    let restarted = app.spawn_sibling().await;
    let values = stored(&app.db).await;
    assert_eq!(values.len(), 3);
    assert_sealed_with(&values, &test_keys());
    assert_eq!(
        test_keys().open(BACKUP_URL, &values[0]).as_deref(),
        Ok(url_with_password(&source.name).as_str())
    );
    let (admin, _) = restarted.signed_in(Role::Admin).await;
    let target_id: i64 = sqlx::query_scalar("SELECT id FROM backup_targets WHERE name = 'legacy'")
        .fetch_one(&app.db)
        .await
        .expect("legacy target");
    assert_eq!(run_backup(&admin, target_id).await["status"], "succeeded");
}

#[tokio::test]
async fn rotation_re_encrypts_every_row_while_the_old_key_still_reads() {
    let database = fresh_database().await;
    let source = fresh_database().await;
    let pool = PgPool::connect(&format!("{}/{database}", database_server_url()))
        .await
        .expect("database");
    insert_plaintext(&pool, &url_with_password(&source.name)).await;
    let old = test_keys();
    let new = Keyring::new(&hex::decode(NEW_KEY).expect("hex"), &[]).expect("key");

    // `opsdeck migrate` (like every command that opens the database) encrypts them.
    let output = opsdeck(&database.name, TEST_SECRETS_KEY, "", &["migrate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_sealed_with(&stored(&pool).await, &old);

    // The new key configured, the old one kept for reading: backups still work.
    let backup = ["backup", "run", "--target", "legacy", "--json"];
    let output = opsdeck(&database.name, NEW_KEY, TEST_SECRETS_KEY, &backup);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_sealed_with(&stored(&pool).await, &old);

    let output = opsdeck(&database.name, NEW_KEY, TEST_SECRETS_KEY, &["secrets", "rotate"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout).lines().next(),
        Some(
            format!(
                "3 stored secrets are encrypted with key {}: 3 re-encrypted from an old key, 0 were unencrypted",
                new.current_id()
            )
            .as_str()
        )
    );
    let values = stored(&pool).await;
    assert_sealed_with(&values, &new);
    assert_eq!(new.open(CHANNEL_URL, &values[1]).as_deref(), Ok(hook_url().as_str()));

    // Without the old key from now on.
    let output = opsdeck(&database.name, NEW_KEY, "", &backup);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let run: Value = serde_json::from_str(&text(&output.stdout)).expect("JSON record");
    assert_eq!(run["status"], "succeeded");

    // The old key alone no longer reads them: a clear error, no panic.
    let output = opsdeck(&database.name, TEST_SECRETS_KEY, "", &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "a stored secret cannot be decrypted with OPSDECK_SECRETS_KEY (key {})",
            old.current_id()
        )) && stderr.contains("backup_targets.connection_url of row")
            && stderr.contains(&format!("it was encrypted with key {}", new.current_id())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_wrong_key_stops_start_up_naming_the_row() {
    let app = TestApp::spawn().await;
    let sealed = test_keys().seal(CHANNEL_SECRET, "whsec_0123456789abcdef0123456789abcdef");
    sqlx::query("INSERT INTO notification_channels (name, kind, url, secret) VALUES ('hook', 'webhook', $1, $2)")
        .bind(test_keys().seal(CHANNEL_URL, "https://hooks.example.com/x"))
        .bind(sealed)
        .execute(&app.db)
        .await
        .expect("channel");
    let config = app.sibling().set("OPSDECK_SECRETS_KEY", NEW_KEY).config();
    let error = match opsdeck::Application::build(config).await {
        Ok(_) => panic!("started with the wrong key"),
        Err(error) => format!("{error:#}"),
    };
    let new_id = key_id(&hex::decode(NEW_KEY).expect("hex"));
    assert!(
        error.contains(&format!("cannot be decrypted with OPSDECK_SECRETS_KEY (key {new_id})"))
            && error.contains("notification_channels.url of row")
            && error.contains(&format!("it was encrypted with key {}", test_keys().current_id())),
        "{error}"
    );
}

#[tokio::test]
async fn a_missing_key_is_a_configuration_error() {
    let outside = std::env::temp_dir().join(format!("opsdeck-no-keys-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&outside).expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("migrate")
        .current_dir(&outside)
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env_remove("OPSDECK_SECRETS_KEY")
        .output()
        .expect("opsdeck runs");
    std::fs::remove_dir_all(&outside).ok();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("opsdeck: configuration error: OPSDECK_SECRETS_KEY: is not set"),
        "{stderr}"
    );
}
