//! Top queries from `pg_stat_statements` kept as deltas between snapshots
//! (a private Postgres cluster preloads the library; the shared one does
//! not, which is the "how to enable it" case), and ending a session.

use std::path::PathBuf;
use std::process::Command;

use app::auth::permissions::Role;
use app::datastores::ssr::statements::{self, Snapshots};
use app::datastores::statements::{QuerySort, StatementsState};
use chrono::{Duration, Utc};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::{Browser, TestApp, closed_port, database_server_url};

/// A Postgres cluster of its own, started with `pg_stat_statements`
/// preloaded; stopped and deleted when dropped.
struct PrivatePostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn as_postgres(program: PathBuf, args: &[&str]) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"));
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Debian's postgresql package")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("an initdb");
        let dir = std::env::temp_dir().join(format!("opsdeck-statements-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&dir).expect("data directory");
        let _ = Command::new("chown").arg("postgres:postgres").arg(&dir).status();
        let path = dir.to_str().expect("utf-8 path").to_string();
        let init = as_postgres(
            bin.join("initdb"),
            &[
                "-D",
                &path,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
            ],
        )
        .current_dir("/")
        .output()
        .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let port = closed_port();
        let options =
            format!("-p {port} -k {path} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements");
        let log = format!("{path}/log");
        let started = as_postgres(
            bin.join("pg_ctl"),
            &["-D", &path, "-o", &options, "-l", &log, "-w", "start"],
        )
        .current_dir("/")
        .output()
        .expect("pg_ctl runs");
        assert!(
            started.status.success(),
            "pg_ctl start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        PrivatePostgres { dir, bin, port }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let path = self.dir.to_str().unwrap_or_default().to_string();
        let _ = as_postgres(self.bin.join("pg_ctl"), &["-D", &path, "-m", "immediate", "stop"])
            .current_dir("/")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn probe(conn: &mut PgConnection, times: usize) {
    for n in 0..times {
        let _: (String,) = sqlx::query_as("SELECT $1::text AS opsdeck_probe")
            .bind(n.to_string())
            .fetch_one(&mut *conn)
            .await
            .expect("probe");
    }
}

async fn probe_calls_stored(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT calls FROM statement_deltas WHERE service = 'probe-pg' AND query LIKE '%opsdeck_probe%' ORDER BY taken_at",
    )
    .fetch_all(&app.db)
    .await
    .expect("deltas")
}

#[tokio::test]
async fn snapshots_keep_what_ran_between_them_and_never_reset_the_totals() {
    let cluster = PrivatePostgres::start();
    let mut reader = PgConnection::connect(&cluster.url()).await.expect("connect");
    reader
        .execute("CREATE EXTENSION pg_stat_statements")
        .await
        .expect("extension");
    assert_eq!(statements::state(&mut reader).await, StatementsState::Ready);
    let reset_before: String = sqlx::query_scalar("SELECT stats_reset::text FROM pg_stat_statements_info")
        .fetch_one(&mut reader)
        .await
        .expect("info");
    let app = TestApp::spawn().await;
    let mut snapshots = Snapshots::default();
    let mut take = async |reader: &mut PgConnection| {
        statements::snapshot(&app.db, reader, "probe-pg", &mut snapshots)
            .await
            .expect("snapshot")
    };
    let mut client = PgConnection::connect(&cluster.url()).await.expect("connect");
    probe(&mut client, 2).await;
    assert_eq!(take(&mut reader).await, 0, "the first snapshot is a baseline");
    probe(&mut client, 7).await;
    assert!(take(&mut reader).await >= 1);
    probe(&mut client, 3).await;
    take(&mut reader).await;
    assert_eq!(
        probe_calls_stored(&app).await,
        vec![7, 3],
        "each snapshot keeps what ran since the last"
    );

    let mut conn = app.db.acquire().await.expect("conn");
    let (from, to) = (Utc::now() - Duration::hours(1), Utc::now() + Duration::minutes(1));
    let (snapshots_in_range, top) = statements::top(&mut conn, "probe-pg", from, to, QuerySort::Calls)
        .await
        .expect("top");
    assert_eq!(snapshots_in_range, 3);
    let row = top
        .iter()
        .find(|row| row.query.contains("opsdeck_probe"))
        .expect("the probe is a top query");
    assert_eq!(row.calls, 10);
    assert_eq!(
        row.query, "SELECT $1::text AS opsdeck_probe",
        "normalised as the extension gives it"
    );
    assert!(row.total_ms > 0.0 && (row.mean_ms() - row.total_ms / 10.0).abs() < 1e-9);
    assert_eq!((row.database.as_str(), row.user.as_str()), ("postgres", "postgres"));
    for sort in QuerySort::ALL {
        let (_, sorted) = statements::top(&mut conn, "probe-pg", from, to, sort)
            .await
            .expect("every sort reads");
        assert!(
            sorted
                .iter()
                .any(|row| row.calls == 10 && row.query.contains("opsdeck_probe")),
            "{sort:?}"
        );
    }
    let reset_after: String = sqlx::query_scalar("SELECT stats_reset::text FROM pg_stat_statements_info")
        .fetch_one(&mut reader)
        .await
        .expect("info");
    assert_eq!(reset_before, reset_after, "Opsdeck never resets the totals");

    // Another tool resets them: the counts start again, never negative.
    reader
        .execute("SELECT pg_stat_statements_reset()")
        .await
        .expect("reset");
    probe(&mut client, 2).await;
    take(&mut reader).await;
    assert_eq!(probe_calls_stored(&app).await, vec![7, 3, 2]);
}

async fn top(browser: &Browser) -> (u16, Value) {
    let response = browser
        .post_fn("/api/datastores/top-queries", &[("sort", "calls")])
        .await;
    let status = response.status().as_u16();
    (status, response.json::<Value>().await.unwrap_or_default())
}

#[tokio::test]
async fn without_the_extension_the_page_says_how_to_enable_it() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (status, answer) = top(&admin).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "NotInstalled");
    assert_eq!(answer["sort"], "Calls");
    assert_eq!(answer["database"], app.db_name.as_str());
    let page = admin.get("/datastores").await.text().await.expect("page");
    assert!(
        page.contains("is not installed") && page.contains("shared_preload_libraries"),
        "how to enable it"
    );
    assert!(
        page.contains(&format!("<code>{}</code>", app.db_name)),
        "names the database"
    );

    // Created but not preloaded (the shared server does not preload it).
    sqlx::query("CREATE EXTENSION pg_stat_statements")
        .execute(&app.db)
        .await
        .expect("extension");
    assert_eq!(top(&admin).await.1["state"], "NotPreloaded");

    let (operator, _) = app.signed_in(Role::Operator).await;
    assert_eq!(top(&operator).await.0, 200);
    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(top(&manager).await.0, 403, "query text is for admins and operators");
}

#[tokio::test]
async fn an_admin_ends_a_session_audited_and_an_operator_cannot() {
    let app = TestApp::spawn().await;
    let url = format!("{}/{}", database_server_url(), app.db_name);
    let mut holder = PgConnection::connect(&url).await.expect("connect");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .expect("pid");
    holder
        .execute("BEGIN; SELECT 'held by the test'")
        .await
        .expect("idle in transaction");
    let pid_text = pid.to_string();

    let (operator, _) = app.signed_in(Role::Operator).await;
    let refused = operator
        .post_fn("/api/datastores/end-session", &[("pid", &pid_text)])
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    let page = operator.get("/datastores").await.text().await.expect("page");
    assert!(!page.contains("Yes, end session"), "no button for an operator");

    let (admin, admin_user) = app.signed_in(Role::Admin).await;
    let page = admin.get("/datastores").await.text().await.expect("page");
    assert!(page.contains(&format!("Yes, end session {pid}")), "the admin's button");
    let to = admin
        .post_without_js("/api/datastores/end-session", "/datastores", &[("pid", &pid_text)])
        .await;
    assert_eq!(to, "/datastores");
    assert!(
        sqlx::query("SELECT 1").execute(&mut holder).await.is_err(),
        "the session was ended"
    );
    let entries = app.audit_entries("datastore.session.end").await;
    assert_eq!(
        entries,
        vec![("success".into(), Some(admin_user.email.clone()), Some(pid_text.clone()))]
    );
    let before: Value = sqlx::query_scalar("SELECT before FROM audit_log WHERE action = 'datastore.session.end'")
        .fetch_one(&app.db)
        .await
        .expect("before");
    assert_eq!(before["state"], "idle in transaction");
    assert!(
        before["query"].as_str().is_some_and(|q| q.contains("held by the test")),
        "{before}"
    );

    let again = admin
        .post_fn("/api/datastores/end-session", &[("pid", &pid_text)])
        .await;
    let status = again.status().as_u16();
    let message = again.text().await.expect("body");
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("is not connected any more"), "{message}");
}
