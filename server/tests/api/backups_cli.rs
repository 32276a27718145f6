//! `opsdeck backup …` and `opsdeck migrate --backup` as scripts run them:
//! the record on stdout (id first, JSON with --json), audited as the CLI,
//! non-zero exit status when the backup, verification or restore test fails.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TEST_AUDIT_KEY, TestDatabase, database_server_url, fresh_database};

struct Cli {
    /// Shared by the `Cli`s of one test; dropped after the last.
    database: Arc<TestDatabase>,
    backup_dir: PathBuf,
}

impl Cli {
    async fn new() -> Cli {
        Cli {
            database: Arc::new(fresh_database().await),
            backup_dir: std::env::temp_dir().join(format!("opsdeck-cli-backups-{}", Uuid::new_v4().simple())),
        }
    }

    fn url(&self) -> String {
        format!("{}/{}", database_server_url(), self.database)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .args(args)
            .env("DATABASE_URL", self.url())
            .env("OPSDECK_BACKUP_DIR", &self.backup_dir)
            .env("OPSDECK_LOG", "warn")
            .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
            .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
            .output()
            .expect("opsdeck runs")
    }

    async fn db(&self) -> PgPool {
        PgPool::connect(&self.url()).await.expect("database")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn json_line(output: &Output) -> Value {
    let text = stdout(output);
    assert_eq!(text.lines().count(), 1, "one JSON line: {text}");
    assert!(text.starts_with("{\"id\":"), "the id comes first: {text}");
    serde_json::from_str(&text).expect("JSON record")
}

#[tokio::test]
async fn backup_verify_and_restore_test_print_their_records_and_are_audited() {
    let cli = Cli::new().await;
    let output = cli.run(&["backup", "run", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let run = json_line(&output);
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["started_by"], "cli");
    let id = run["id"].as_i64().expect("id").to_string();

    let output = cli.run(&["backup", "verify", &id]);
    assert!(output.status.success());
    let line = stdout(&output);
    assert!(
        line.split(' ').nth(1) == Some("pass"),
        "id first, then the outcome: {line}"
    );
    assert!(line.contains(&format!("run={id}")), "{line}");

    let output = cli.run(&["backup", "restore-test", &id, "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let check = json_line(&output);
    assert_eq!(check["kind"], "restore_test");
    assert_eq!(check["outcome"], "pass");
    assert!(check["evidence"]["tables_compared"].as_u64().is_some_and(|n| n > 5));

    let db = cli.db().await;
    let actors: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_email, user_agent FROM audit_log WHERE action LIKE 'backup.%' ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .expect("audit");
    let actions: Vec<&str> = actors.iter().map(|(action, _, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "backup.run",
            "backup.run.finished",
            "backup.verify",
            "backup.restore_test",
            "backup.restore_test.finished"
        ]
    );
    assert!(actors.iter().all(|(_, actor, _)| actor.as_deref() == Some("cli")));
    assert_eq!(actors[0].2.as_deref(), Some("opsdeck backup run (CLI)"));

    // A changed file: verification fails, and so does the command.
    let file = cli.backup_dir.join(run["location"].as_str().expect("location"));
    let mut bytes = std::fs::read(&file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).expect("write");
    let output = cli.run(&["backup", "verify", &id, "--json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_line(&output)["outcome"], "fail");
    assert!(String::from_utf8_lossy(&output.stderr).contains("verification"));
}

#[tokio::test]
async fn failures_exit_non_zero_with_a_reason() {
    let cli = Cli::new().await;
    let output = cli.run(&["backup", "run", "--target", "no-such-target"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no backup target named 'no-such-target'"));

    let output = cli.run(&["backup", "verify", "999999"]);
    assert_eq!(output.status.code(), Some(1));

    // A backup directory that cannot be created: the run fails and is recorded failed.
    let blocked = Cli {
        database: cli.database.clone(),
        backup_dir: PathBuf::from("/dev/null/backups"),
    };
    let output = blocked.run(&["backup", "run"]);
    assert_eq!(output.status.code(), Some(1));
    let line = stdout(&output);
    assert!(line.split(' ').nth(1) == Some("failed"), "{line}");
    let db = cli.db().await;
    let status: String = sqlx::query_scalar("SELECT status FROM backup_runs ORDER BY id DESC LIMIT 1")
        .fetch_one(&db)
        .await
        .expect("a run");
    assert_eq!(status, "failed");
}

#[tokio::test]
async fn migrate_with_backup_records_a_backup_first_and_stops_when_it_fails() {
    let cli = Cli::new().await;
    let output = cli.run(&["migrate", "--backup"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line = stdout(&output);
    assert!(
        line.contains(" succeeded target=opsdeck trigger=before-migration"),
        "{line}"
    );
    let db = cli.db().await;
    let trigger: String = sqlx::query_scalar("SELECT trigger FROM backup_runs")
        .fetch_one(&db)
        .await
        .expect("one run");
    assert_eq!(trigger, "before-migration");

    let blocked = Cli {
        database: cli.database.clone(),
        backup_dir: PathBuf::from("/dev/null/backups"),
    };
    let output = blocked.run(&["migrate", "--backup"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no migration was applied"), "{stderr}");
    assert!(!stderr.contains("migrations applied"), "{stderr}");
}

#[tokio::test]
async fn migrate_with_backup_on_an_empty_database_says_there_is_nothing_to_back_up() {
    let name = format!("opsdeck_test_{}", Uuid::new_v4().simple());
    let admin = PgPool::connect(&format!("{}/postgres", database_server_url()))
        .await
        .expect("admin");
    sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
        .execute(&admin)
        .await
        .expect("create");
    let cli = Cli {
        database: Arc::new(TestDatabase { name }),
        backup_dir: std::env::temp_dir().join(format!("opsdeck-cli-backups-{}", Uuid::new_v4().simple())),
    };
    let output = cli.run(&["migrate", "--backup"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to back up"));
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM backup_runs")
        .fetch_one(&cli.db().await)
        .await
        .expect("migrated");
    assert_eq!(runs, 0);
}
