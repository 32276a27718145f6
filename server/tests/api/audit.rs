//! The audit log: the chain as stored, tampering found by the verifier,
//! transactions, the list's filters and keyset paging, the CSV export, the
//! `opsdeck audit verify` command and who may read what.

use std::process::Command;

use app::audit::ssr::queries::{self, PAGE_SIZE};
use app::audit::ssr::{
    Actor, AuditKey, ClientInfo, GENESIS_HASH, NewAuditEntry, StoredEntry, append, entry_hash, verify_chain,
};
use app::audit::{AuditFilter, BreakReason, ChainReport, Cursor, Outcome};
use app::auth::permissions::Role;
use futures::TryStreamExt;
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::helpers::{TEST_AUDIT_KEY, TestApp, TestDatabase, database_server_url, fresh_database};

pub(crate) fn key() -> AuditKey {
    AuditKey::new(&hex::decode(TEST_AUDIT_KEY).expect("test key is hex"))
}

/// A fresh migrated database with nothing in it (dropped with the value:
/// keep it while the pool is used), and a pool on it.
pub(crate) async fn empty_log() -> (TestDatabase, PgPool) {
    let name = fresh_database().await;
    let pool = PgPool::connect(&format!("{}/{name}", database_server_url()))
        .await
        .expect("test database");
    (name, pool)
}

pub(crate) fn entry(email: &str, action: &str, outcome: Outcome) -> NewAuditEntry {
    let actor = Actor {
        id: Some(1),
        email: Some(email.to_string()),
        role: Some(Role::Admin),
    };
    NewAuditEntry::new(actor, action, outcome, ClientInfo::default())
}

/// Appends `entry` in its own committed transaction.
pub(crate) async fn commit(pool: &PgPool, entry: NewAuditEntry) -> i64 {
    let mut tx = pool.begin().await.expect("begin");
    let id = append(&mut tx, &key(), entry).await.expect("append");
    tx.commit().await.expect("commit");
    id
}

pub(crate) async fn append_many(pool: &PgPool, n: usize) {
    for i in 0..n {
        let user = i % 5;
        commit(
            pool,
            entry("ana@example.com", "user.update", Outcome::Success)
                .target("user", user)
                .change(
                    Some(json!({ "role": "viewer", "n": i })),
                    Some(json!({ "role": "operator", "n": i })),
                ),
        )
        .await;
    }
}

async fn stored(pool: &PgPool) -> Vec<StoredEntry> {
    sqlx::query_as("SELECT * FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("read audit_log")
}

async fn verify(pool: &PgPool) -> ChainReport {
    let mut conn = pool.acquire().await.expect("connection");
    verify_chain(&mut conn, &key()).await.expect("verifier runs")
}

/// Runs `sql` with the append-only triggers off, as someone with direct
/// database access would to tamper with the log.
pub(crate) async fn tamper(db_name: &str, sql: &str) {
    let mut conn = PgConnection::connect(&format!("{}/{db_name}", database_server_url()))
        .await
        .expect("superuser");
    conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        .await
        .expect("disable triggers");
    conn.execute(sql).await.expect("tamper");
    conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        .await
        .expect("enable triggers");
}

#[tokio::test]
async fn append_assigns_contiguous_ids_and_links_each_entry_to_the_previous() {
    let (_database, pool) = empty_log().await;
    for expected in 1..=3 {
        assert_eq!(
            commit(&pool, entry("a@example.com", "user.create", Outcome::Success)).await,
            expected
        );
    }
    let entries = stored(&pool).await;
    assert_eq!(entries.iter().map(|e| e.head.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(entries[0].prev_hash, GENESIS_HASH.to_vec());
    for pair in entries.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "entry {} links to {}",
            pair[1].head.id, pair[0].head.id
        );
    }
    for e in &entries {
        assert_eq!(
            entry_hash(&key(), e),
            e.hash,
            "entry {} hashes what was stored",
            e.head.id
        );
    }
}

#[tokio::test]
async fn the_table_refuses_update_delete_and_truncate() {
    let (_database, pool) = empty_log().await;
    append_many(&pool, 2).await;
    for sql in [
        "UPDATE audit_log SET action = 'x' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 2",
        "TRUNCATE audit_log",
    ] {
        let error = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(error.to_string().contains("audit_log is append-only"), "{sql}: {error}");
    }
    assert_eq!(stored(&pool).await.len(), 2);
}

#[tokio::test]
async fn the_verifier_passes_an_intact_chain_and_an_empty_one() {
    let (_database, pool) = empty_log().await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Intact {
            last_id: 0,
            count: 0,
            anchor: None
        }
    );
    append_many(&pool, 7).await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Intact {
            last_id: 7,
            count: 7,
            anchor: None
        }
    );
}

#[tokio::test]
async fn the_verifier_names_an_edited_entry() {
    let (db, pool) = empty_log().await;
    append_many(&pool, 5).await;
    tamper(
        &db,
        r#"UPDATE audit_log SET after = '{"role": "admin", "n": 2}' WHERE id = 3"#,
    )
    .await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Broken {
            id: 3,
            reason: BreakReason::Edited
        }
    );
}

#[tokio::test]
async fn the_verifier_names_the_entry_after_a_deleted_one() {
    let (db, pool) = empty_log().await;
    append_many(&pool, 5).await;
    tamper(&db, "DELETE FROM audit_log WHERE id = 3").await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Broken {
            id: 4,
            reason: BreakReason::Missing { from: 3 }
        }
    );

    let (db, pool) = empty_log().await;
    append_many(&pool, 3).await;
    tamper(&db, "DELETE FROM audit_log WHERE id = 1").await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Broken {
            id: 2,
            reason: BreakReason::Missing { from: 1 }
        }
    );
}

#[tokio::test]
async fn the_verifier_names_reordered_entries() {
    let (db, pool) = empty_log().await;
    append_many(&pool, 5).await;
    // Swap entries 2 and 3 (through a free id, as the primary key demands).
    tamper(&db, "UPDATE audit_log SET id = -2 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = -2").await;
    assert_eq!(
        verify(&pool).await,
        ChainReport::Broken {
            id: 2,
            reason: BreakReason::WrongLink
        }
    );
}

#[tokio::test]
async fn an_append_in_a_rolled_back_transaction_leaves_no_entry() {
    let (_database, pool) = empty_log().await;
    let mut tx = pool.begin().await.expect("begin");
    append(&mut tx, &key(), entry("a@example.com", "user.create", Outcome::Success))
        .await
        .expect("append");
    tx.rollback().await.expect("rollback");
    assert!(stored(&pool).await.is_empty());
    // The next entry takes id 1: no gap for the verifier to trip over.
    assert_eq!(
        commit(&pool, entry("a@example.com", "user.create", Outcome::Success)).await,
        1
    );
    assert_eq!(
        verify(&pool).await,
        ChainReport::Intact {
            last_id: 1,
            count: 1,
            anchor: None
        }
    );
}

/// A change and its audit entry, in one transaction, the way every area writes.
async fn rename_widget(pool: &PgPool, name: &str, audit_action: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO widgets (name) VALUES ($1)")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        &key(),
        entry("a@example.com", audit_action, Outcome::Success).target("widget", name),
    )
    .await?;
    tx.commit().await
}

#[tokio::test]
async fn a_change_whose_audit_entry_cannot_be_written_is_rolled_back() {
    let (_database, pool) = empty_log().await;
    sqlx::query("CREATE TABLE widgets (name TEXT NOT NULL)")
        .execute(&pool)
        .await
        .expect("scratch table");
    rename_widget(&pool, "kept", "widget.create")
        .await
        .expect("a change with its entry commits");
    // Postgres refuses NUL in text, so this append fails after the change was written.
    rename_widget(&pool, "lost", "widget.\0create")
        .await
        .expect_err("the append fails");
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM widgets")
        .fetch_all(&pool)
        .await
        .expect("widgets");
    assert_eq!(names, vec!["kept".to_string()]);
    assert_eq!(stored(&pool).await.len(), 1);
}

async fn list(pool: &PgPool, filter: AuditFilter) -> app::audit::AuditPage {
    let mut conn = pool.acquire().await.expect("connection");
    queries::list(&mut conn, &filter.parse().expect("valid filter"))
        .await
        .expect("list")
}

fn ids(page: &app::audit::AuditPage) -> Vec<i64> {
    page.entries.iter().map(|e| e.head.id).collect()
}

#[tokio::test]
async fn keyset_pages_walk_the_log_newest_first_in_both_directions() {
    let (_database, pool) = empty_log().await;
    append_many(&pool, 120).await;
    let first = list(&pool, AuditFilter::default()).await;
    assert_eq!(ids(&first), (71..=120).rev().collect::<Vec<_>>());
    assert_eq!((first.older, first.newer), (Some(71), None));

    let at = |cursor: Cursor| {
        let mut filter = AuditFilter::default();
        match cursor {
            Cursor::Older(id) => filter.older = Some(id.to_string()),
            Cursor::Newer(id) => filter.newer = Some(id.to_string()),
        }
        filter
    };
    let second = list(&pool, at(Cursor::Older(71))).await;
    assert_eq!(ids(&second), (21..=70).rev().collect::<Vec<_>>());
    assert_eq!((second.older, second.newer), (Some(21), Some(70)));
    let last = list(&pool, at(Cursor::Older(21))).await;
    assert_eq!(ids(&last), (1..=20).rev().collect::<Vec<_>>());
    assert_eq!((last.older, last.newer), (None, Some(20)));
    // Back towards the newest: the same pages.
    let back = list(&pool, at(Cursor::Newer(20))).await;
    assert_eq!(ids(&back), ids(&second));
    assert_eq!((back.older, back.newer), (Some(21), Some(70)));
    let top = list(&pool, at(Cursor::Newer(70))).await;
    assert_eq!(ids(&top), ids(&first));
    assert_eq!(top.newer, None);
    assert_eq!(first.entries.len(), PAGE_SIZE);
}

#[tokio::test]
async fn a_time_range_pages_by_time_in_both_directions() {
    let (_database, pool) = empty_log().await;
    append_many(&pool, 120).await;
    let day = |offset: i64| {
        (chrono::Utc::now() + chrono::Duration::days(offset))
            .format("%Y-%m-%d")
            .to_string()
    };
    let ranged = |older: Option<i64>, newer: Option<i64>| AuditFilter {
        from: Some(day(-1)),
        to: Some(day(1)),
        older: older.map(|id| id.to_string()),
        newer: newer.map(|id| id.to_string()),
        ..AuditFilter::default()
    };
    // Appended one after another, the entries' times follow their ids.
    let first = list(&pool, ranged(None, None)).await;
    assert_eq!(ids(&first), (71..=120).rev().collect::<Vec<_>>());
    assert_eq!((first.older, first.newer), (Some(71), None));
    let second = list(&pool, ranged(Some(71), None)).await;
    assert_eq!(ids(&second), (21..=70).rev().collect::<Vec<_>>());
    assert_eq!((second.older, second.newer), (Some(21), Some(70)));
    let last = list(&pool, ranged(Some(21), None)).await;
    assert_eq!(ids(&last), (1..=20).rev().collect::<Vec<_>>());
    assert_eq!((last.older, last.newer), (None, Some(20)));
    let back = list(&pool, ranged(None, Some(20))).await;
    assert_eq!(ids(&back), ids(&second));
    // A range that ends before the log began holds nothing.
    let before = AuditFilter {
        from: Some(day(-3)),
        to: Some(day(-2)),
        ..AuditFilter::default()
    };
    assert_eq!(ids(&list(&pool, before).await), Vec::<i64>::new());
}

#[tokio::test]
async fn filters_select_the_right_entries() {
    let (_database, pool) = empty_log().await;
    commit(
        &pool,
        entry("Ana@Example.com", "user.update", Outcome::Success)
            .target("user", 7)
            .change(Some(json!({ "role": "viewer" })), Some(json!({ "role": "operator" }))),
    )
    .await;
    commit(
        &pool,
        entry("bo@example.com", "auth.sign_in", Outcome::Failure)
            .change(None, Some(json!({ "reason": "wrong password" }))),
    )
    .await;
    commit(
        &pool,
        entry("bo@example.com", "access.denied", Outcome::Denied).target("path", "/users"),
    )
    .await;
    commit(
        &pool,
        entry("cy@example.com", "user.update", Outcome::Success)
            .target("user", 8)
            .change(
                Some(json!({ "note": "100% sure" })),
                Some(json!({ "note": "50% sure" })),
            ),
    )
    .await;
    let times: Vec<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar("SELECT at FROM audit_log ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("times");

    let matching = |set: fn(&mut AuditFilter)| {
        let pool = pool.clone();
        async move {
            let mut filter = AuditFilter::default();
            set(&mut filter);
            ids(&list(&pool, filter).await)
        }
    };
    assert_eq!(matching(|f| f.actor = Some("ANA@example.COM".into())).await, vec![1]);
    assert_eq!(matching(|f| f.action = Some("user.update".into())).await, vec![4, 1]);
    assert_eq!(matching(|f| f.outcome = Some("denied".into())).await, vec![3]);
    assert_eq!(matching(|f| f.target_type = Some("user".into())).await, vec![4, 1]);
    assert_eq!(
        matching(|f| {
            f.target_type = Some("user".into());
            f.target_id = Some("8".into());
        })
        .await,
        vec![4]
    );
    // Free text: case-insensitive, in before/after, emails, targets and actions.
    assert_eq!(matching(|f| f.q = Some("OPERATOR".into())).await, vec![1]);
    assert_eq!(matching(|f| f.q = Some("wrong pass".into())).await, vec![2]);
    assert_eq!(matching(|f| f.q = Some("/users".into())).await, vec![3]);
    assert_eq!(matching(|f| f.q = Some("bo@".into())).await, vec![3, 2]);
    // `%` is a character to find, not a wildcard.
    assert_eq!(matching(|f| f.q = Some("0% s".into())).await, vec![4]);
    assert_eq!(matching(|f| f.q = Some("%".into())).await, vec![4]);
    // Time range: from is inclusive, an RFC 3339 "to" includes that instant.
    let filter = AuditFilter {
        from: Some(times[1].to_rfc3339()),
        to: Some(times[2].to_rfc3339()),
        ..AuditFilter::default()
    };
    assert!(
        times.windows(2).all(|pair| pair[0] < pair[1]),
        "sequential appends have increasing times: {times:?}"
    );
    assert_eq!(ids(&list(&pool, filter).await), vec![3, 2]);
    // Combined filters are ANDed.
    assert_eq!(
        matching(|f| {
            f.actor = Some("bo@example.com".into());
            f.outcome = Some("failure".into());
        })
        .await,
        vec![2]
    );
}

async fn export(pool: &PgPool, filter: AuditFilter) -> (String, usize) {
    let chunks: Vec<bytes::Bytes> =
        opsdeck::http::audit_export::csv_stream(pool.clone(), filter.parse().expect("valid filter"))
            .try_collect()
            .await
            .expect("export streams");
    let count = chunks.len();
    let body = chunks.into_iter().flat_map(|c| c.to_vec()).collect::<Vec<u8>>();
    (String::from_utf8(body).expect("UTF-8"), count)
}

#[tokio::test]
async fn the_csv_export_quotes_awkward_values_and_defuses_formulas() {
    let (_database, pool) = empty_log().await;
    let client = ClientInfo {
        ip: Some("10.0.0.1".into()),
        user_agent: Some("=HYPERLINK(\"http://evil\")".into()),
        request_id: None,
    };
    let tricky = NewAuditEntry::new(
        Actor {
            id: Some(2),
            email: Some("o'neil, jr@example.com".into()),
            role: Some(Role::Support),
        },
        "settings.update",
        Outcome::Success,
        client,
    )
    .target("setting", "motd")
    .change(Some(json!({ "text": "line one\nline \"two\"" })), None);
    commit(&pool, tricky).await;
    commit(&pool, entry("plain@example.com", "user.create", Outcome::Success)).await;

    let (csv, _) = export(&pool, AuditFilter::default()).await;
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,at,actor_id,actor_email,actor_role,action,target_type,target_id,outcome,client_ip,user_agent,request_id,before,after"
    );
    assert!(lines[1].starts_with("2,"), "newest first: {csv}");
    assert!(
        lines[1].ends_with(",1,plain@example.com,admin,user.create,,,success,,,,,"),
        "{}",
        lines[1]
    );
    let tricky_row = &csv[csv.find("\r\n1,").expect("entry 1") + 2..];
    assert!(
        tricky_row.contains(",2,\"o'neil, jr@example.com\",support,settings.update,setting,motd,success,10.0.0.1,"),
        "{tricky_row}"
    );
    assert!(
        tricky_row.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "{tricky_row}"
    );
    assert!(
        tricky_row.contains(",\"{\"\"text\"\":\"\"line one\\nline \\\"\"two\\\"\"\"\"}\","),
        "{tricky_row}"
    );
    assert!(csv.ends_with("\r\n"));

    let filter = AuditFilter {
        actor: Some("PLAIN@example.com".into()),
        ..AuditFilter::default()
    };
    let (csv, _) = export(&pool, filter).await;
    assert_eq!(csv.matches("\r\n").count(), 2, "header and the one matching row: {csv}");
}

#[tokio::test]
async fn the_csv_export_streams_a_large_log_in_chunks() {
    let (_database, pool) = empty_log().await;
    // Dummy hashes: the export does not look at the chain.
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_email, actor_role, action, target_type, target_id, outcome, after, prev_hash, hash) \
         SELECT n, now() - make_interval(secs => 120000 - n), 'user' || (n % 50) || '@example.com', 'operator', 'alert.update', \
                'alert', (n % 1000)::text, 'success', jsonb_build_object('threshold', n), '\\x00', '\\x00' \
         FROM generate_series(1, 120000) AS n",
    )
    .execute(&pool)
    .await
    .expect("bulk insert");
    let (csv, chunks) = export(&pool, AuditFilter::default()).await;
    assert_eq!(csv.matches("\r\n").count(), 120_001);
    assert!(chunks > 50, "sent in many chunks, not one buffer: {chunks}");
    assert!(csv[csv.find("\r\n").expect("header") + 2..].starts_with("120000,"));
}

fn opsdeck_verify(db_name: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["audit", "verify"])
        .env("OPSDECK_LOG", "warn")
        // No anchor under this prefix: the chain alone is checked.
        .env("OPSDECK_REDIS_PREFIX", format!("{db_name}:"))
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("DATABASE_URL", format!("{}/{db_name}", database_server_url()))
        .output()
        .expect("opsdeck runs")
}

#[tokio::test]
async fn opsdeck_audit_verify_exits_zero_on_an_intact_chain_and_non_zero_at_a_break() {
    let (db, pool) = empty_log().await;
    append_many(&pool, 4).await;
    let output = opsdeck_verify(&db);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "audit chain intact: 4 entries, last id 4 (no anchor to check against)"
    );

    tamper(
        &db,
        "UPDATE audit_log SET actor_email = 'someone.else@example.com' WHERE id = 2",
    )
    .await;
    let output = opsdeck_verify(&db);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("audit chain broken at entry 2: the entry was edited"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["audit", "verify"])
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_REDIS_PREFIX", format!("{db}:"))
        .env("OPSDECK_AUDIT_KEY", "00".repeat(32))
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("DATABASE_URL", format!("{}/{db}", database_server_url()))
        .output()
        .expect("opsdeck runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "a wrong key fails the chain from entry 1"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken at entry 1"));
}

// ----- Through the running app, as each role -----

async fn seeded_app() -> TestApp {
    let app = TestApp::spawn().await;
    commit(
        &app.db,
        entry("ana@example.com", "user.update", Outcome::Success)
            .target("user", 7)
            .change(Some(json!({ "role": "viewer" })), Some(json!({ "role": "operator" }))),
    )
    .await;
    app
}

pub(crate) async fn post_json(
    browser: &crate::helpers::Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = browser.post_fn(path, form).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn support_reads_full_entries_and_managers_only_summaries() {
    let app = seeded_app().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = post_json(&support, "/api/audit/list", &[("filter[action]", "user.update")]).await;
    assert_eq!(status, 200, "{body}");
    let first = &body["page"]["entries"][0];
    assert_eq!(first["action"], "user.update");
    assert_eq!(first["details"]["after"], json!({ "role": "operator" }));
    assert_eq!(body["viewer_role"], "support");

    let (manager, _) = app.signed_in(Role::Manager).await;
    let (status, body) = post_json(&manager, "/api/audit/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    let entries = body["page"]["entries"].as_array().expect("entries");
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["details"].is_null()),
        "no details for managers: {body}"
    );
    assert!(
        !body.to_string().contains("operator"),
        "before/after never reach a manager"
    );

    let (status, _) = post_json(&manager, "/api/audit/entry", &[("id", "1")]).await;
    assert_eq!(status, 403);
    let (status, body) = post_json(&support, "/api/audit/entry", &[("id", "1")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["details"]["before"], json!({ "role": "viewer" }));
    let (status, _) = post_json(&support, "/api/audit/entry", &[("id", "999999")]).await;
    assert_eq!(status, 404);

    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (status, _) = post_json(&viewer, "/api/audit/list", &[]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn bad_filters_are_refused_with_the_field_named() {
    let app = seeded_app().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = post_json(&support, "/api/audit/list", &[("filter[from]", "last tuesday")]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "from", "{body}");
    let long = "x".repeat(300);
    let (status, body) = post_json(&support, "/api/audit/list", &[("filter[q]", long.as_str())]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "q", "{body}");
}

#[tokio::test]
async fn verifying_the_chain_needs_the_verify_permission() {
    let app = seeded_app().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = post_json(&support, "/api/audit/verify", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["Intact"]["last_id"].as_i64().unwrap_or(0) >= 2, "{body}");
    let (manager, _) = app.signed_in(Role::Manager).await;
    let (status, _) = post_json(&manager, "/api/audit/verify", &[]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_csv_route_streams_for_exporters_only() {
    let app = seeded_app().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let response = support.get("/api/v1/audit/export.csv?action=user.update&q=").await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| crate::helpers::header(&response, name).unwrap_or_default().to_string();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(header("content-disposition").starts_with("attachment; filename=\"opsdeck-audit-"));
    let body = response.text().await.expect("body");
    assert_eq!(body.matches("\r\n").count(), 2, "{body}");
    assert!(
        body.contains("ana@example.com,admin,user.update,user,7,success"),
        "{body}"
    );

    // The export is itself audited, with the filter it used (issue 22, item 4).
    let exports = app.audit_entries("audit.export").await;
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!((exports[0].0.as_str(), exports[0].1.is_some()), ("success", true));
    let filter: serde_json::Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'audit.export'")
        .fetch_one(&app.db)
        .await
        .expect("after");
    assert_eq!(filter["action"], "user.update", "{filter}");

    let response = support.get("/api/v1/audit/export.csv?from=soon").await;
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(
        app.audit_entries("audit.export").await.len(),
        1,
        "a refused export is not an export"
    );

    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(manager.get("/api/v1/audit/export.csv").await.status().as_u16(), 403);
    assert_eq!(app.get("/api/v1/audit/export.csv").await.status().as_u16(), 401);
}

#[tokio::test]
async fn the_audit_page_renders_filters_entries_and_verification_without_javascript() {
    let app = seeded_app().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let response = support.get("/audit?action=user.update&verify=1").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("HTML");
    assert!(html.contains("Audit log"), "{html}");
    assert!(html.contains("name=\"actor\""), "the filter form is there");
    assert!(html.contains("ana@example.com"), "the entry is listed");
    assert!(
        html.contains("href=\"/api/v1/audit/export.csv?action=user.update\""),
        "export carries the filter: {html}"
    );
    assert!(html.contains("Chain intact up to entry"), "verification result: {html}");

    let html = support.get("/audit/1").await.text().await.expect("HTML");
    assert!(html.contains("Audit entry 1"), "{html}");
    assert!(
        html.contains("<del>viewer</del>") && html.contains("<ins>operator</ins>"),
        "the change is highlighted: {html}"
    );

    let html = support
        .get("/audit?actor=nobody@example.com")
        .await
        .text()
        .await
        .expect("HTML");
    assert!(html.contains("No entries match these filters"), "{html}");
    let html = support.get("/audit?from=whenever").await.text().await.expect("HTML");
    assert!(html.contains("Could not load the audit log: from:"), "{html}");

    let (manager, _) = app.signed_in(Role::Manager).await;
    let html = manager.get("/audit").await.text().await.expect("HTML");
    assert!(html.contains("ana@example.com"));
    assert!(
        !html.contains("Export CSV") && !html.contains("Verify chain"),
        "managers are not offered export or verify"
    );
    assert_eq!(manager.get("/audit/1").await.status().as_u16(), 403);
}

/// The closing note's figure: how long the list query takes on a large log.
/// Point OPSDECK_BENCH_DATABASE_URL at a migrated database filled with, say,
/// 1,000,000 entries (hashes may be dummies: listing does not read them) and
/// run `cargo nextest run -p server --run-ignored only -E 'test(list_timing)' --no-capture`.
#[tokio::test]
#[ignore = "needs a large database in OPSDECK_BENCH_DATABASE_URL"]
async fn list_timing_on_a_large_log() {
    let Ok(url) = std::env::var("OPSDECK_BENCH_DATABASE_URL") else {
        return;
    };
    let pool = PgPool::connect(&url).await.expect("bench database");
    let newest: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_log")
        .fetch_one(&pool)
        .await
        .expect("max id");
    // Page 1000 starts 999 pages (49,950 entries) below the newest.
    let page_1000 = newest - 49_950 + 1;
    let cases: Vec<(&str, AuditFilter)> = vec![
        ("page 1", AuditFilter::default()),
        (
            "page 1000",
            AuditFilter {
                older: Some(page_1000.to_string()),
                ..AuditFilter::default()
            },
        ),
        (
            "page 1000, newer direction",
            AuditFilter {
                newer: Some((page_1000 - 51).to_string()),
                ..AuditFilter::default()
            },
        ),
        (
            "actor filter, page 1",
            AuditFilter {
                actor: Some("USER7@example.com".into()),
                ..AuditFilter::default()
            },
        ),
        (
            "actor filter, half-way down",
            AuditFilter {
                actor: Some("user7@example.com".into()),
                older: Some((newest - 500_000).to_string()),
                ..AuditFilter::default()
            },
        ),
        (
            "outcome=denied, half-way down",
            AuditFilter {
                outcome: Some("denied".into()),
                older: Some((newest - 500_000).to_string()),
                ..AuditFilter::default()
            },
        ),
        (
            "free text, common",
            AuditFilter {
                q: Some("alert_rule".into()),
                ..AuditFilter::default()
            },
        ),
        (
            "free text, rare",
            AuditFilter {
                q: Some("user42@example.com".into()),
                ..AuditFilter::default()
            },
        ),
        (
            "free text, no match",
            AuditFilter {
                q: Some("no-such-thing".into()),
                ..AuditFilter::default()
            },
        ),
    ];
    let mut conn = pool.acquire().await.expect("connection");
    for (name, filter) in cases {
        let query = filter.parse().expect("valid");
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..15 {
            let started = std::time::Instant::now();
            rows = queries::list(&mut conn, &query).await.expect("list").entries.len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let first = times[0];
        times.sort_by(f64::total_cmp);
        println!(
            "{name:<32} rows {rows:>2}  first {first:>8.2} ms  median {:>8.2} ms  min {:>8.2} ms",
            times[times.len() / 2],
            times[0]
        );
    }
}
