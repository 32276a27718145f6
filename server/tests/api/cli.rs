//! The `opsdeck` binary as an operator runs it.

use std::process::Command;

fn opsdeck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    command
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_AUDIT_KEY", crate::helpers::TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY);
    command
}

#[test]
fn help_documents_every_subcommand_and_variable() {
    let output = opsdeck().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for word in ["serve", "migrate"] {
        assert!(help.contains(word), "--help mentions {word}: {help}");
    }
    for variable in opsdeck::config::VARIABLES {
        assert!(help.contains(variable.name), "--help documents {}", variable.name);
    }
}

#[test]
fn a_bad_variable_stops_start_up_with_a_message_naming_it() {
    let output = opsdeck()
        .arg("serve")
        .env("OPSDECK_ADDR", "not-an-address")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("OPSDECK_ADDR: 'not-an-address' is not an address and port"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_database_stops_start_up_with_a_clear_error() {
    let port = crate::helpers::closed_port();
    let output = opsdeck()
        .arg("migrate")
        .env(
            "DATABASE_URL",
            format!("postgres://postgres:secret@127.0.0.1:{port}/opsdeck"),
        )
        .env("OPSDECK_CHECK_TIMEOUT_MS", "1500")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("applying migrations to postgres://postgres:***@127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "the password is redacted: {stderr}");
}

#[tokio::test]
async fn each_test_database_starts_fully_migrated() {
    let app = crate::helpers::TestApp::spawn().await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&app.db)
        .await
        .expect("migrations table exists");
    assert_eq!(
        applied,
        i64::try_from(opsdeck::startup::MIGRATOR.iter().count()).unwrap_or(-1)
    );
}

#[tokio::test]
async fn migrate_applies_migrations_to_a_fresh_database() {
    let name = crate::helpers::fresh_database().await;
    let output = opsdeck()
        .arg("migrate")
        .env(
            "DATABASE_URL",
            format!("{}/{name}", crate::helpers::database_server_url()),
        )
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));
}

#[tokio::test]
async fn command_output_stays_clean_when_logging_is_verbose() {
    // Scripts capture stdout (the README's run command reads the demo key from it),
    // so logs must go to stderr even at info level.
    let name = crate::helpers::fresh_database().await;
    let output = opsdeck()
        .args(["api-key", "create", "--name", "script", "--scope", "ingest"])
        .env(
            "DATABASE_URL",
            format!("{}/{name}", crate::helpers::database_server_url()),
        )
        .env("OPSDECK_LOG", "debug")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the key on stdout: {stdout:?}");
    assert!(lines[0].starts_with("odk_"), "{stdout:?}");
}
