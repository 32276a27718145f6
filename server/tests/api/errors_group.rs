//! Envelopes that arrive together share one transaction (group commit,
//! `http::errors::group`): each is still answered only after its commit,
//! stored wholly or not at all, a repeated event id is stored once, a
//! failing envelope fails only itself, and a key revoked while the door
//! keeps its look-up stores nothing.

use serde_json::Value;

use crate::errors_ingest::{dsn_key, envelope, event_item, exception_event, post};
use crate::helpers::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.expect("count")
}

/// The events stored, checked to be `expected` in all; when they are not,
/// the panic shows each service's count and any event id stored twice.
async fn events_stored(app: &TestApp, expected: i64) {
    let total = count(app, "SELECT count(*) FROM error_events").await;
    if total != expected {
        let per_service: Vec<(String, i64)> =
            sqlx::query_as("SELECT service, count(*) FROM error_events GROUP BY 1 ORDER BY 1")
                .fetch_all(&app.db)
                .await
                .expect("per service");
        let twice: Vec<(String, i64)> =
            sqlx::query_as("SELECT event_id, count(*) FROM error_events GROUP BY 1 HAVING count(*) > 1 ORDER BY 1")
                .fetch_all(&app.db)
                .await
                .expect("twice");
        panic!("{total} events stored, not {expected}: per service {per_service:?}; stored twice {twice:?}");
    }
}

/// Posts every body at once to `project`'s envelope door; the answers' statuses, in order.
async fn all_at_once(app: &TestApp, project: i32, key: &str, bodies: Vec<Vec<u8>>) -> Vec<u16> {
    let path = format!("/api/{project}/envelope/");
    let sends = bodies
        .into_iter()
        .map(|body| async { post(app, &path, Some(key), body, None).await.status().as_u16() });
    futures::future::join_all(sends).await
}

/// An app that groups envelopes arriving together (off by default).
async fn grouping() -> TestApp {
    TestApp::configure()
        .await
        .set("OPSDECK_ERROR_GROUP_ENVELOPES", "64")
        .spawn()
        .await
}

#[tokio::test]
async fn envelopes_sent_together_are_each_stored_once_with_their_counts() {
    let app = grouping().await;
    let (project, key) = dsn_key(&app, "shop").await;
    // 24 envelopes of 4 kinds (so new issues and known ones meet in one group), two events each.
    let events: Vec<Vec<Value>> = (0..24)
        .map(|i| {
            let function = format!("kind{}", i % 4);
            (0..2)
                .map(|j| exception_event(&function, i, "boom", &format!("user{}", (i + j) % 5)))
                .collect()
        })
        .collect();
    let bodies = |events: &[Vec<Value>]| -> Vec<Vec<u8>> {
        events
            .iter()
            .map(|pair| envelope(&pair.iter().map(event_item).collect::<Vec<_>>()))
            .collect()
    };
    let answers = all_at_once(&app, project, &key, bodies(&events)).await;
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    events_stored(&app, 48).await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM error_issues").await,
        4,
        "one issue per kind"
    );
    assert_eq!(
        count(&app, "SELECT sum(event_count)::bigint FROM error_issues").await,
        48
    );
    assert_eq!(
        count(&app, "SELECT sum(events)::bigint FROM error_issue_minutes").await,
        48
    );
    assert_eq!(
        count(&app, "SELECT sum(user_count)::bigint FROM error_issues").await,
        count(&app, "SELECT count(*) FROM error_issue_users").await
    );

    // The same envelopes again, all at once, and twice each: nothing stored twice.
    let mut again = bodies(&events);
    again.extend(bodies(&events));
    let answers = all_at_once(&app, project, &key, again).await;
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    events_stored(&app, 48).await;
    assert_eq!(
        count(&app, "SELECT sum(event_count)::bigint FROM error_issues").await,
        48
    );
    assert_eq!(
        count(&app, "SELECT sum(events)::bigint FROM error_issue_minutes").await,
        48
    );
}

#[tokio::test]
async fn a_failing_envelope_fails_only_itself() {
    let app = grouping().await;
    let (project, key) = dsn_key(&app, "shop").await;
    let mut bodies: Vec<Vec<u8>> = (0..12)
        .map(|i| envelope(&[event_item(&exception_event("add", i, "boom", "u1"))]))
        .collect();
    // A database error of this envelope only (as a constraint or a trigger could raise).
    sqlx::query("ALTER TABLE error_events ADD CONSTRAINT no_poison CHECK (message NOT LIKE '%poison%')")
        .execute(&app.db)
        .await
        .expect("constraint");
    let bad = exception_event("add", 99, "poison", "u1");
    bodies.insert(6, envelope(&[event_item(&bad)]));
    let answers = all_at_once(&app, project, &key, bodies).await;
    assert_ne!(answers[6], 200, "the failing envelope is not acknowledged");
    let others: Vec<u16> = answers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 6)
        .map(|(_, s)| *s)
        .collect();
    assert!(others.iter().all(|status| *status == 200), "{others:?}");
    events_stored(&app, 12).await;
    assert_eq!(
        count(&app, "SELECT sum(event_count)::bigint FROM error_issues").await,
        12
    );
    let claimed = "SELECT count(*) FROM ingest_batches WHERE idempotency_key LIKE 'sentry-event:%'";
    assert_eq!(
        count(&app, claimed).await,
        12,
        "the failing envelope's event id is not claimed"
    );
}

#[tokio::test]
async fn a_key_revoked_while_its_look_up_is_kept_stores_nothing_even_beside_others() {
    let app = grouping().await;
    let (project, quiet) = dsn_key(&app, "shop").await;
    let (_, busy) = dsn_key(&app, "shop").await;
    let (_, other) = dsn_key(&app, "shop").await;
    let path = format!("/api/{project}/envelope/");
    let one = || envelope(&[event_item(&exception_event("add", 1, "boom", "u1"))]);
    for key in [&quiet, &busy, &other] {
        assert_eq!(post(&app, &path, Some(key), one(), None).await.status(), 200);
    }
    // Revoked behind the app's back: the door's kept look-ups cannot know.
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE prefix = ANY($1)")
        .bind([&quiet, &busy].map(|key| key.split('_').nth(1).unwrap_or_default().to_string()))
        .execute(&app.db)
        .await
        .expect("revoked");
    // An envelope without events stores nothing that could check the key: the door looks it up again.
    let session = envelope(&[("session", b"{\"sid\":\"s\",\"status\":\"ok\"}".to_vec())]);
    assert_eq!(post(&app, &path, Some(&quiet), session, None).await.status(), 401);
    let sends = (0..8).map(|i| {
        let key = if i % 2 == 0 { busy.clone() } else { other.clone() };
        let (app, path, body) = (&app, &path, one());
        async move { post(app, path, Some(&key), body, None).await.status().as_u16() }
    });
    let answers = futures::future::join_all(sends).await;
    assert_eq!(answers, [401, 200, 401, 200, 401, 200, 401, 200]);
    events_stored(&app, 3 + 4).await;
    let refusals = "SELECT count(*) FROM audit_log WHERE action = 'access.denied'";
    assert!(
        count(&app, refusals).await >= 2,
        "each refusal is audited as an uncached one is"
    );
}
