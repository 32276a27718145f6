//! Refused requests are counted into the audit log rather than written one
//! row each, and an anonymous client refused too often gets 429.

use std::time::{Duration, Instant};

use app::audit::ChainReport;
use app::audit::ssr::{AuditKey, verify_chain};

use crate::helpers::{TEST_AUDIT_KEY, TestApp};

/// (rows, sum of their counts) of `access.denied` entries for `path`.
async fn denials(app: &TestApp, path: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), coalesce(sum((after->>'count')::bigint), 0)::bigint FROM audit_log \
         WHERE action = 'access.denied' AND target_id = $1",
    )
    .bind(path)
    .fetch_one(&app.db)
    .await
    .expect("audit_log readable")
}

#[tokio::test]
async fn two_hundred_refusals_write_a_handful_of_rows_whose_counts_add_up() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_AUDIT_REFUSAL_WINDOW_SECS", "2")
        .spawn()
        .await;
    let path = "/api/v1/audit/export.csv";
    for _ in 0..200 {
        assert_eq!(app.get(path).await.status().as_u16(), 401);
    }
    // The first refusal is written at once.
    let (rows, _) = denials(&app, path).await;
    assert!(rows >= 1, "the first refusal is in the log at once");
    // Once the windows have ended, the rest are written as counts.
    let started = Instant::now();
    let (rows, counted) = loop {
        let (rows, counted) = denials(&app, path).await;
        if counted >= 200 || started.elapsed() > Duration::from_secs(15) {
            break (rows, counted);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("200 refusals: {rows} audit rows, counts adding up to {counted}");
    assert_eq!(counted, 200);
    assert!(rows <= 10, "{rows} rows");
    // The chain stays intact.
    let key = AuditKey::new(&hex::decode(TEST_AUDIT_KEY).expect("test key is hex"));
    let mut conn = app.db.acquire().await.expect("connection");
    let report = verify_chain(&mut conn, &key).await.expect("verifier runs");
    assert!(matches!(report, ChainReport::Intact { .. }), "{report:?}");
}

#[tokio::test]
async fn an_anonymous_client_refused_too_often_is_answered_429() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_ANONYMOUS_REFUSALS_PER_MIN", "50")
        .spawn()
        .await;
    let mut statuses = Vec::new();
    for _ in 0..120 {
        let response = app.get("/api/v1/audit/export.csv").await;
        if response.status().as_u16() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..50].iter().all(|s| *s == 401), "{statuses:?}");
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 10, "{statuses:?}");
}

/// Pages asked for without a session (a scan) are counted per address, not
/// written one row each: the redirects to sign in add up in a few entries.
#[tokio::test]
async fn pages_asked_for_without_a_session_are_counted_per_address() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_AUDIT_REFUSAL_WINDOW_SECS", "2")
        .spawn()
        .await;
    let paths = [
        "/",
        "/performance",
        "/audit",
        "/users",
        "/settings",
        "/admin.php",
        "/.env",
    ];
    for n in 0..70 {
        let response = app.get(paths[n % paths.len()]).await;
        // Every page, known or not, sends a visitor without a session to sign in.
        assert_eq!(response.status().as_u16(), 303, "{}", paths[n % paths.len()]);
    }
    let counted = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT count(*), coalesce(sum((after->>'count')::bigint), 0)::bigint FROM audit_log \
             WHERE action = 'access.sign_in_required'",
        )
        .fetch_one(&app.db)
        .await
        .expect("audit_log readable")
    };
    let started = Instant::now();
    let (rows, total) = loop {
        let (rows, total) = counted().await;
        if total >= 70 || started.elapsed() > Duration::from_secs(15) {
            break (rows, total);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("70 sign-in redirects: {rows} audit rows, counts adding up to {total}");
    assert_eq!(total, 70);
    assert!(rows <= 10, "{rows} rows");
}
