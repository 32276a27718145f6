//! The audit chain's anchor: entries cut off the end of the log, which the
//! chain alone cannot show, are found against the head recorded outside the
//! table — by the verifier, `opsdeck audit verify --expect-head`, and the
//! Audit page's check after a running instance recorded the head in Redis.

use std::process::Command;
use std::time::Duration;

use app::audit::ssr::anchor;
use app::audit::ssr::chain::verify_against;
use app::audit::{BreakReason, ChainAnchor, ChainReport};
use app::auth::permissions::Role;
use chrono::Utc;

use crate::audit::{append_many, empty_log, key, post_json, tamper};
use crate::helpers::{TEST_AUDIT_KEY, TestApp, database_server_url};

/// The chain checked against `anchor`.
async fn verified(pool: &sqlx::PgPool, anchor: Option<ChainAnchor>) -> ChainReport {
    let mut conn = pool.acquire().await.expect("connection");
    verify_against(&mut conn, &key(), anchor).await.expect("verified")
}

/// A handle on the test's own Redis keys.
fn redis_of(app: &TestApp) -> app::state::RedisHandle {
    app::state::RedisHandle::new(
        redis::Client::open(crate::helpers::redis_url()).expect("redis url"),
        Duration::from_secs(2),
        app.redis_prefix.clone(),
    )
}

async fn head(pool: &sqlx::PgPool) -> ChainAnchor {
    let mut conn = pool.acquire().await.expect("connection");
    anchor::head(&mut conn, Utc::now())
        .await
        .expect("head read")
        .expect("a non-empty log")
}

#[tokio::test]
async fn the_newest_entries_deleted_together_break_the_chain_against_its_anchor() {
    let (db, pool) = empty_log().await;
    append_many(&pool, 5).await;
    let anchored = head(&pool).await;
    assert_eq!(anchored.id, 5);
    assert_eq!(
        verified(&pool, Some(anchored)).await,
        ChainReport::Intact {
            last_id: 5,
            count: 5,
            anchor: Some(anchored)
        }
    );

    tamper(&db, "DELETE FROM audit_log WHERE id >= 3").await;
    // The chain alone still looks whole: what is left links up.
    assert_eq!(
        verified(&pool, None).await,
        ChainReport::Intact {
            last_id: 2,
            count: 2,
            anchor: None
        }
    );
    assert_eq!(
        verified(&pool, Some(anchored)).await,
        ChainReport::Broken {
            id: 3,
            reason: BreakReason::Truncated { anchored: 5 }
        }
    );

    // And from the command line, with the head from the log line.
    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["audit", "verify", "--expect-head", &anchored.head()])
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("OPSDECK_REDIS_PREFIX", format!("{db}:"))
        .env("DATABASE_URL", format!("{}/{db}", database_server_url()))
        .output()
        .expect("opsdeck runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("audit chain broken at entry 3") && stderr.contains("entries 3 to 5 cut off the end"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_replaced_anchored_entry_is_named() {
    let (_database, pool) = empty_log().await;
    append_many(&pool, 3).await;
    let mut anchored = head(&pool).await;
    anchored.hash[0] ^= 1;
    assert_eq!(
        verified(&pool, Some(anchored)).await,
        ChainReport::Broken {
            id: 3,
            reason: BreakReason::NotAnchored
        }
    );
}

#[tokio::test]
async fn the_anchor_in_redis_only_moves_forward() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_AUDIT_ANCHOR_SECS", "0")
        .spawn()
        .await;
    let redis = redis_of(&app);
    append_many(&app.db, 4).await;
    let log = anchor::log_id(&mut app.db.acquire().await.expect("connection"))
        .await
        .expect("log id");
    let later = head(&app.db).await;
    let earlier = ChainAnchor {
        id: later.id - 2,
        ..later
    };
    assert_eq!(
        anchor::record(&redis, log, earlier).await.expect("recorded"),
        anchor::Recorded::Moved
    );
    assert_eq!(
        anchor::record(&redis, log, later).await.expect("recorded"),
        anchor::Recorded::Moved
    );
    assert_eq!(
        anchor::record(&redis, log, later).await.expect("recorded"),
        anchor::Recorded::Unchanged
    );
    assert_eq!(
        anchor::record(&redis, log, earlier).await.expect("recorded"),
        anchor::Recorded::AheadOfLog { anchored: later.id },
        "a shorter log never moves the anchor back"
    );
    assert_eq!(
        anchor::read(&redis, log).await.expect("read").map(|a| a.id),
        Some(later.id)
    );
    // Another database under the same prefix (the same name dropped and
    // created again, a restored copy) keeps an anchor of its own.
    let (_other_database, other) = empty_log().await;
    let other_log = anchor::log_id(&mut other.acquire().await.expect("connection"))
        .await
        .expect("log id");
    assert_ne!(other_log, log);
    assert_eq!(anchor::read(&redis, other_log).await.expect("read"), None);
}

#[tokio::test]
async fn a_running_instance_anchors_the_head_and_the_audit_page_finds_the_cut() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_AUDIT_ANCHOR_SECS", "1")
        .spawn()
        .await;
    let (support, _) = app.signed_in(Role::Support).await;
    append_many(&app.db, 3).await;
    let newest = head(&app.db).await;
    let redis = redis_of(&app);
    let log = anchor::log_id(&mut app.db.acquire().await.expect("connection"))
        .await
        .expect("log id");
    // The instance records the head within a round or two.
    let mut anchored = None;
    for _ in 0..50 {
        anchored = anchor::read(&redis, log)
            .await
            .expect("read")
            .filter(|a| a.id >= newest.id);
        if anchored.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let anchored = anchored.expect("the head was anchored within 5 s");

    let (status, body) = post_json(&support, "/api/audit/verify", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Intact"]["anchor"]["id"], anchored.id, "{body}");

    tamper(
        &app.db_name,
        &format!("DELETE FROM audit_log WHERE id > {}", anchored.id - 2),
    )
    .await;
    let (status, body) = post_json(&support, "/api/audit/verify", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Broken"]["reason"]["Truncated"]["anchored"], anchored.id, "{body}");
    let page = support.get("/audit?verify=1").await.text().await.expect("page");
    assert!(page.contains("cut off the end"), "the Audit page says so");
}
