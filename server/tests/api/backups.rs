//! Backups against real databases with the real pg_dump and pg_restore:
//! a seeded database backs up and restore-tests with equal counts, a changed
//! file fails verification, a killed pg_dump leaves no file and a failed
//! record, retention keeps the newest restore-tested backup, and a due
//! schedule runs once across two instances.

use std::path::{Path, PathBuf};
use std::time::Duration;

use app::auth::permissions::Role;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::helpers::{Browser, TestApp, TestDatabase, database_server_url};

/// A database with a few tables (one partitioned) and known row counts,
/// dropped with the value.
pub async fn seeded_database(rows: i64) -> TestDatabase {
    let name = format!("opsdeck_test_seed_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&format!("{}/postgres", database_server_url()))
        .await
        .expect("Postgres reachable");
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .expect("create seed database");
    let mut conn = PgConnection::connect(&format!("{}/{name}", database_server_url()))
        .await
        .expect("connect seed database");
    conn.execute(
        format!(
            "CREATE TABLE orders (id bigint PRIMARY KEY, note text NOT NULL); \
             INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, {rows}) g; \
             CREATE TABLE events (at date NOT NULL, n int) PARTITION BY RANGE (at); \
             CREATE TABLE events_a PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01'); \
             CREATE TABLE events_b PARTITION OF events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01'); \
             INSERT INTO events SELECT '2026-01-01'::date + (g % 50), g FROM generate_series(1, 300) g; \
             CREATE SCHEMA billing; CREATE TABLE billing.\"Invoices\" (id int); \
             INSERT INTO billing.\"Invoices\" VALUES (1), (2), (3); \
             CREATE TABLE empty_one (id int);"
        )
        .as_str(),
    )
    .await
    .expect("seed");
    TestDatabase { name }
}

fn seeded_counts(rows: i64) -> Value {
    serde_json::json!({
        "billing.Invoices": 3,
        "public.empty_one": 0,
        "public.events_a": 186,
        "public.events_b": 114,
        "public.orders": rows,
    })
}

pub async fn post_ok(browser: &Browser, path: &str, form: &[(&str, &str)]) -> Value {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON answer");
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Adds a target for `database` as an admin and returns its id.
async fn add_target(app: &TestApp, admin: &Browser, database: &str, extra: &[(&str, &str)]) -> i64 {
    let url = format!("{}/{database}", database_server_url());
    let name = format!("seed-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut form = vec![("name", name.as_str()), ("connection_url", url.as_str())];
    form.extend_from_slice(extra);
    let target = post_ok(admin, "/api/backups/save-target", &form).await;
    let _ = app;
    target["id"].as_i64().expect("target id")
}

pub async fn self_target(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM backup_targets WHERE is_self")
        .fetch_one(&app.db)
        .await
        .expect("the self target exists")
}

/// Waits until the run is no longer running and returns its detail.
pub async fn finished_run(browser: &Browser, run_id: i64) -> Value {
    for _ in 0..600 {
        let detail = post_ok(browser, "/api/backups/run-detail", &[("run_id", &run_id.to_string())]).await;
        if detail["run"]["status"] != "running" {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("backup {run_id} did not finish within a minute");
}

/// Waits until the check has an outcome.
pub async fn finished_check(browser: &Browser, run_id: i64, check_id: i64) -> Value {
    for _ in 0..600 {
        let detail = post_ok(browser, "/api/backups/run-detail", &[("run_id", &run_id.to_string())]).await;
        let check = detail["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|check| check["id"] == check_id)
            .cloned()
            .expect("the check is listed");
        if !check["outcome"].is_null() {
            return check;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("check {check_id} did not finish within a minute");
}

pub async fn run_backup(browser: &Browser, target_id: i64) -> Value {
    let started = post_ok(browser, "/api/backups/run", &[("target_id", &target_id.to_string())]).await;
    assert_eq!(started["status"], "running");
    let run_id = started["id"].as_i64().expect("run id");
    finished_run(browser, run_id).await["run"].clone()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                folders.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found
}

fn sha256_of(path: &Path) -> String {
    format!(
        "{:x}",
        Sha256::digest(std::fs::read(path).expect("backup file readable"))
    )
}

async fn databases_like(app: &TestApp, pattern: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1")
        .bind(pattern)
        .fetch_all(&app.db)
        .await
        .expect("pg_database")
}

#[tokio::test]
async fn a_seeded_database_backs_up_and_restores_with_equal_row_counts() {
    let app = TestApp::spawn().await;
    let seed = seeded_database(2000).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let target_id = add_target(&app, &admin, &seed, &[("keep_last", "5")]).await;
    let (operator, operator_user) = app.signed_in(Role::Operator).await;

    let run = run_backup(&operator, target_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["started_by"], operator_user.email.as_str());
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["table_counts"], seeded_counts(2000));
    assert!(run["server_version"].as_str().is_some_and(|v| !v.is_empty()));
    let file = app.backup_dir().join(run["location"].as_str().expect("location"));
    assert_eq!(
        std::fs::metadata(&file).expect("the file exists").len(),
        run["size_bytes"].as_u64().expect("size")
    );
    assert_eq!(run["progress_bytes"], run["size_bytes"]);
    assert_eq!(sha256_of(&file), run["sha256"].as_str().expect("sha"));
    assert!(
        files_under(&app.backup_dir())
            .iter()
            .all(|path| !path.to_string_lossy().ends_with(".partial")),
        "no partial file left"
    );

    let run_id = run["id"].as_i64().expect("id");
    let started = post_ok(
        &operator,
        "/api/backups/restore-test",
        &[("run_id", &run_id.to_string())],
    )
    .await;
    assert!(started["outcome"].is_null(), "the restore test runs after the answer");
    let check = finished_check(&operator, run_id, started["id"].as_i64().expect("check id")).await;
    assert_eq!(check["outcome"], "pass", "{check}");
    let evidence = &check["evidence"];
    assert_eq!(evidence["tables_compared"], 5);
    assert_eq!(evidence["rows_compared"], 2000 + 300 + 3);
    assert_eq!(evidence["dropped"], true);
    assert!(evidence["duration_ms"].as_u64().is_some());
    let temporary = evidence["database"].as_str().expect("database named");
    assert!(
        temporary.starts_with(&format!("opsdeck_restore_{run_id}_")),
        "{temporary}"
    );
    assert!(
        databases_like(&app, temporary).await.is_empty(),
        "{temporary} was dropped"
    );

    // A manager reads the records, with the badges, but never the URL's password.
    let (manager, _) = app.signed_in(Role::Manager).await;
    let page = manager.get("/backups").await.text().await.expect("page");
    assert!(page.contains(&format!("/backups/runs/{run_id}")), "the run is listed");
    assert!(page.contains("restored ✓"), "restore-tested at a glance");
    assert!(
        page.contains(&format!("127.0.0.1:5432/{seed}")) || page.contains(&*seed),
        "host/db shown"
    );
    assert!(!page.contains("Run backup now"), "managers cannot run backups");
    let detail = manager
        .get(&format!("/backups/runs/{run_id}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        detail.contains("public.orders") && detail.contains("2000"),
        "row counts shown"
    );
    assert!(
        detail.contains("5 tables (2303 rows) compared; 0 differ"),
        "evidence shown"
    );
    let url_stored: String = sqlx::query_scalar("SELECT connection_url FROM backup_targets WHERE id = $1")
        .bind(target_id)
        .fetch_one(&app.db)
        .await
        .expect("stored");
    // Stored sealed (secrets_at_rest.rs has the rest), yet the backup above used it.
    assert!(url_stored.starts_with("enc:v1:"), "{url_stored}");
    assert!(!url_stored.contains(&*seed), "no plaintext in the column");
    let opened = crate::helpers::test_keys()
        .open(app::secrets::BACKUP_URL, &url_stored)
        .expect("opens with the test key");
    assert!(opened.contains(&*seed));

    for action in [
        "backup.target.create",
        "backup.run",
        "backup.run.finished",
        "backup.restore_test",
        "backup.restore_test.finished",
    ] {
        assert_eq!(app.audit_entries(action).await.len(), 1, "{action} audited once");
    }
    let result: f64 = sqlx::query_scalar(
        "SELECT value FROM metric_samples WHERE service = 'opsdeck' AND name = 'backup.run.result' \
         AND labels->>'target' = $1",
    )
    .bind(run["target_name"].as_str().expect("name"))
    .fetch_one(&app.db)
    .await
    .expect("a run result sample");
    assert_eq!(result, 1.0);
    let age: f64 = sqlx::query_scalar(
        "SELECT value FROM metric_samples WHERE name = 'backup.last_success_age_seconds' AND labels->>'target' = $1",
    )
    .bind(run["target_name"].as_str().expect("name"))
    .fetch_one(&app.db)
    .await
    .expect("an age sample");
    assert!((0.0..60.0).contains(&age), "{age}");
}

#[tokio::test]
async fn progress_is_published_while_a_backup_runs() {
    let app = TestApp::spawn().await;
    let seed = seeded_database(400_000).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let target_id = add_target(&app, &admin, &seed, &[]).await;
    let started = post_ok(&admin, "/api/backups/run", &[("target_id", &target_id.to_string())]).await;
    let run_id = started["id"].as_i64().expect("id");
    let mut seen_running = Vec::new();
    loop {
        let detail = post_ok(&admin, "/api/backups/run-detail", &[("run_id", &run_id.to_string())]).await;
        if detail["run"]["status"] != "running" {
            assert_eq!(detail["run"]["status"], "succeeded");
            let size = detail["run"]["size_bytes"].as_i64().expect("size");
            assert!(
                seen_running.iter().any(|bytes| *bytes > 0 && *bytes < size),
                "bytes written were reported while running: {seen_running:?} of {size}"
            );
            break;
        }
        assert_eq!(detail["busy"], true);
        seen_running.push(detail["run"]["progress_bytes"].as_i64().expect("progress"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_file_changed_on_disk_fails_verification() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let run = run_backup(&operator, self_target(&app).await).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let run_id = run["id"].as_i64().expect("id").to_string();

    let check = post_ok(&operator, "/api/backups/verify", &[("run_id", &run_id)]).await;
    assert_eq!(check["outcome"], "pass", "{check}");
    assert!(check["evidence"]["toc_entries"].as_u64().is_some_and(|n| n > 10));

    let file = app.backup_dir().join(run["location"].as_str().expect("location"));
    let mut bytes = std::fs::read(&file).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&file, bytes).expect("write");

    let check = post_ok(&operator, "/api/backups/verify", &[("run_id", &run_id)]).await;
    assert_eq!(check["outcome"], "fail", "{check}");
    assert_eq!(check["evidence"]["expected_sha256"], run["sha256"]);
    assert_ne!(check["evidence"]["actual_sha256"], run["sha256"]);
    let outcomes: Vec<String> = app
        .audit_entries("backup.verify")
        .await
        .into_iter()
        .map(|(outcome, _, _)| outcome)
        .collect();
    assert_eq!(outcomes, vec!["success", "failure"]);

    // A truncated file fails too, at the checksum and the archive listing.
    std::fs::write(&file, b"PGDMP").expect("truncate");
    let check = post_ok(&operator, "/api/backups/verify", &[("run_id", &run_id)]).await;
    assert_eq!(check["outcome"], "fail");
    let page = operator
        .get(&format!("/backups/runs/{run_id}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("DIFFERS"), "the evidence says the checksum differs");
}

/// The pid of the pg_dump process working on `database`, if one runs.
fn pg_dump_pid(database: &str) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        (cmdline.contains("pg_dump") && cmdline.contains(database)).then_some(pid)
    })
}

#[tokio::test]
async fn a_killed_backup_leaves_no_file_and_a_failed_record() {
    let app = TestApp::spawn().await;
    let seed = seeded_database(100).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let target_id = add_target(&app, &admin, &seed, &[]).await;
    // Hold pg_dump at its first lock so it is surely still running when killed.
    let mut blocker = PgConnection::connect(&format!("{}/{seed}", database_server_url()))
        .await
        .expect("connect");
    blocker
        .execute("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let started = post_ok(&admin, "/api/backups/run", &[("target_id", &target_id.to_string())]).await;
    let run_id = started["id"].as_i64().expect("id");
    let mut pid = None;
    for _ in 0..200 {
        pid = pg_dump_pid(&seed);
        if pid.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = pid.expect("pg_dump started");
    let partials: Vec<PathBuf> = files_under(&app.backup_dir());
    assert!(
        partials.iter().any(|path| path.to_string_lossy().ends_with(".partial")),
        "the backup is being written to a partial file: {partials:?}"
    );
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    blocker.execute("ROLLBACK").await.expect("unlock");

    let detail = finished_run(&admin, run_id).await;
    let run = &detail["run"];
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"].as_str().is_some_and(|e| e.contains("pg_dump was killed")),
        "{run}"
    );
    assert!(run["location"].is_null() && run["sha256"].is_null());
    assert_eq!(
        files_under(&app.backup_dir()),
        Vec::<PathBuf>::new(),
        "no file left behind"
    );
    let finished = app.audit_entries("backup.run.finished").await;
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].0, "failure");
    let page = admin.get("/backups").await.text().await.expect("page");
    assert!(page.contains("badge badge-down"), "shown as failed");
}

#[tokio::test]
async fn work_left_running_by_a_stopped_opsdeck_is_failed_at_start_up() {
    let app = TestApp::spawn().await;
    let target = self_target(&app).await;
    let run_id: i64 = sqlx::query_scalar(
        "INSERT INTO backup_runs (target_id, trigger, started_by, heartbeat_at) \
         VALUES ($1, 'manual', 'cli', now() - interval '10 minutes') RETURNING id",
    )
    .bind(target)
    .fetch_one(&app.db)
    .await
    .expect("insert");
    let stray = app
        .backup_dir()
        .join(format!("{target}/opsdeck-x-run{run_id}.dump.partial"));
    std::fs::create_dir_all(stray.parent().expect("parent")).expect("dir");
    std::fs::write(&stray, b"half a dump").expect("write");
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .and_then(|file| file.set_modified(old))
        .expect("age the file");

    let _restarted = app.spawn_sibling().await;
    for _ in 0..100 {
        let status: String = sqlx::query_scalar("SELECT status FROM backup_runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&app.db)
            .await
            .expect("status");
        if status == "failed" && !stray.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stale run was not failed or its partial file not removed");
}

#[tokio::test]
async fn retention_keeps_the_newest_restore_tested_backup() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let target = self_target(&app).await;
    post_ok(
        &admin,
        "/api/backups/save-target",
        &[
            ("target_id", &target.to_string()),
            ("name", "opsdeck"),
            ("keep_last", "1"),
        ],
    )
    .await;
    let first = run_backup(&admin, target).await;
    let first_id = first["id"].as_i64().expect("id");
    let check = post_ok(
        &admin,
        "/api/backups/restore-test",
        &[("run_id", &first_id.to_string())],
    )
    .await;
    let check = finished_check(&admin, first_id, check["id"].as_i64().expect("id")).await;
    assert_eq!(check["outcome"], "pass", "{check}");
    let second = run_backup(&admin, target).await;
    let third = run_backup(&admin, target).await;

    let second_id = second["id"].as_i64().expect("id");
    let third_id = third["id"].as_i64().expect("id");
    let expected = vec![(first_id, false), (second_id, true), (third_id, false)];
    // Pruning follows the run's success (the run is shown succeeded first).
    let mut pruned: Vec<(i64, bool)> = Vec::new();
    for _ in 0..100 {
        pruned = sqlx::query_as("SELECT id, pruned_at IS NOT NULL FROM backup_runs WHERE target_id = $1 ORDER BY id")
            .bind(target)
            .fetch_all(&app.db)
            .await
            .expect("runs");
        if pruned == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pruned, expected);
    let exists = |run: &Value| {
        app.backup_dir()
            .join(run["location"].as_str().expect("location"))
            .exists()
    };
    assert!(exists(&first), "the restore-tested backup is kept");
    assert!(!exists(&second), "the pruned backup's file is gone");
    assert!(exists(&third), "the newest backup is kept");
    // Pruned right after the third backup, by whoever started it.
    assert_eq!(
        app.audit_entries("backup.prune").await,
        vec![(
            "success".to_string(),
            Some(admin_user.email.clone()),
            Some(second_id.to_string())
        )]
    );
    let verify = admin
        .post_fn("/api/backups/verify", &[("run_id", &second_id.to_string())])
        .await;
    assert_eq!(verify.status().as_u16(), 409, "a pruned backup has nothing to verify");
}

#[tokio::test]
async fn a_due_schedule_runs_once_across_two_instances() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let target = self_target(&app).await;
    // Due a few seconds from now (6 fields: with seconds), then not for a year.
    let due = chrono::Utc::now() + chrono::Duration::seconds(3);
    let expression = due.format("%S %M %H %d %m *").to_string();
    sqlx::query("UPDATE backup_targets SET schedule = $2, schedule_checked_at = now() WHERE id = $1")
        .bind(target)
        .bind(&expression)
        .execute(&app.db)
        .await
        .expect("schedule");
    let count = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded') FROM backup_runs \
             WHERE trigger = 'schedule' AND started_by = 'scheduler'",
        )
        .fetch_one(&app.db)
        .await
        .expect("count")
    };
    for _ in 0..300 {
        if count().await.1 == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count().await, (1, 1), "the scheduled backup ran and succeeded");
    // Both instances have looked several times since; still one run.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(count().await.0, 1, "exactly one instance ran it");
    drop(sibling);
}
