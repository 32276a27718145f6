//! Merging issues and unmerging a hash: the decision persists through the
//! hash → issue mapping (later events follow it), the counts, users and
//! per-minute counts move with the events, each is audited with before and
//! after, and only those who triage may do it.

use app::auth::permissions::Role;
use serde_json::{Value, json};

use crate::errors_ingest::{exception_event, send_events};
use crate::helpers::{Browser, TestApp};

/// Sends one exception event thrown in `function` for `user`; answers its issue.
pub async fn throw(app: &TestApp, service: &str, function: &str, user: &str) -> i64 {
    let event = exception_event(function, 3, "boom", user);
    send_events(app, service, std::slice::from_ref(&event)).await;
    sqlx::query_scalar("SELECT issue_id FROM error_events WHERE event_id = $1")
        .bind(event["event_id"].as_str().expect("id"))
        .fetch_one(&app.db)
        .await
        .expect("stored")
}

/// (events, users, merged_into) of an issue, and the sum of its per-minute counts.
async fn counts(app: &TestApp, issue: i64) -> (i64, i64, Option<i64>, i64) {
    let (events, users, merged): (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT event_count, user_count, merged_into FROM error_issues WHERE id = $1")
            .bind(issue)
            .fetch_one(&app.db)
            .await
            .expect("issue");
    let minutes: i64 =
        sqlx::query_scalar("SELECT COALESCE(sum(events), 0)::bigint FROM error_issue_minutes WHERE issue_id = $1")
            .bind(issue)
            .fetch_one(&app.db)
            .await
            .expect("minutes");
    (events, users, merged, minutes)
}

async fn users_of(app: &TestApp, issue: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT user_key FROM error_issue_users WHERE issue_id = $1 ORDER BY user_key")
        .bind(issue)
        .fetch_all(&app.db)
        .await
        .expect("users")
}

async fn hash_of(app: &TestApp, function: &str) -> String {
    sqlx::query_scalar("SELECT hash FROM error_hashes WHERE components->>0 LIKE '%' || $1")
        .bind(function)
        .fetch_one(&app.db)
        .await
        .expect("hash")
}

async fn merge(browser: &Browser, into: i64, issues: &str) -> (u16, Value) {
    let response = browser
        .post_fn("/api/errors/merge", &[("into", &into.to_string()), ("issues", issues)])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn unmerge(browser: &Browser, issue: i64, hash: &str) -> (u16, Value) {
    let response = browser
        .post_fn(
            "/api/errors/unmerge",
            &[("issue_id", &issue.to_string()), ("hash", hash)],
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn audit_change(app: &TestApp, action: &str) -> (Option<String>, Option<String>, Value, Value) {
    sqlx::query_as(
        "SELECT actor_email, target_id, before, after FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .fetch_one(&app.db)
    .await
    .expect("audited")
}

#[tokio::test]
async fn a_merge_sticks_for_later_events_and_an_unmerge_gives_the_issue_back() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add", "u1").await;
    assert_eq!(throw(&app, "shop", "add", "u2").await, add);
    let remove = throw(&app, "shop", "remove", "u2").await;
    throw(&app, "shop", "remove", "u3").await;
    throw(&app, "shop", "remove", "u3").await;
    assert_ne!(add, remove);
    let (support, user) = app.signed_in(Role::Support).await;

    assert_eq!(merge(&support, add, &remove.to_string()).await, (200, json!(add)));
    assert_eq!(
        counts(&app, add).await,
        (5, 3, None, 5),
        "counts, users and minutes combine"
    );
    assert_eq!(counts(&app, remove).await, (0, 0, Some(add), 0));
    assert_eq!(users_of(&app, add).await, ["u1", "u2", "u3"]);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM error_events WHERE issue_id = $1")
        .bind(remove)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(left, 0, "the events follow");
    assert_eq!(
        throw(&app, "shop", "remove", "u4").await,
        add,
        "a later event follows the merge"
    );
    assert_eq!(counts(&app, add).await, (6, 4, None, 6));

    let (actor, target, before, after) = audit_change(&app, "error_issue.merge").await;
    assert_eq!(
        (actor.as_deref(), target),
        (Some(user.email.as_str()), Some(add.to_string()))
    );
    let find = |side: &Value, id: i64| {
        side["issues"]
            .as_array()
            .and_then(|issues| issues.iter().find(|i| i["id"] == json!(id)).cloned())
            .expect("issue in the entry")
    };
    assert_eq!(find(&before, add)["event_count"], 2);
    assert_eq!(find(&before, remove)["merged_into"], Value::Null);
    assert_eq!(find(&after, add)["event_count"], 5);
    assert_eq!(find(&after, add)["hashes"].as_array().map(Vec::len), Some(2));
    assert_eq!(find(&after, remove)["merged_into"], json!(add));

    // The hash goes back to the issue it came from, with its events and users.
    let hash = hash_of(&app, "remove").await;
    assert_eq!(unmerge(&support, add, &hash).await, (200, json!(remove)));
    assert_eq!(counts(&app, remove).await, (4, 3, None, 4));
    assert_eq!(counts(&app, add).await, (2, 2, None, 2));
    assert_eq!(users_of(&app, add).await, ["u1", "u2"]);
    assert_eq!(users_of(&app, remove).await, ["u2", "u3", "u4"]);
    assert_eq!(
        throw(&app, "shop", "remove", "u5").await,
        remove,
        "a later event follows the unmerge"
    );
    assert_eq!(throw(&app, "shop", "add", "u1").await, add);
    assert_eq!(counts(&app, remove).await, (5, 4, None, 5));
    assert_eq!(counts(&app, add).await, (3, 2, None, 3));

    let (actor, target, before, after) = audit_change(&app, "error_issue.unmerge").await;
    assert_eq!(
        (actor.as_deref(), target),
        (Some(user.email.as_str()), Some(add.to_string()))
    );
    assert_eq!(
        (before["hash"].as_str(), after["hash"].as_str()),
        (Some(hash.as_str()), Some(hash.as_str()))
    );
    assert_eq!(before["issue"]["event_count"], 6);
    assert_eq!(after["issue"]["event_count"], 2);
    assert_eq!(after["split_out"]["id"], json!(remove));
    assert_eq!(after["split_out"]["event_count"], 4);

    // An issue's only hash stays.
    let (status, body) = unmerge(&support, add, &hash_of(&app, "add").await).await;
    assert_eq!((status, body["Validation"]["field"].as_str()), (422, Some("hash")));
}

#[tokio::test]
async fn unmerging_the_targets_own_hash_makes_a_new_issue_that_later_events_join() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add", "u1").await;
    let remove = throw(&app, "shop", "remove", "u2").await;
    let other = throw(&app, "shop", "checkout", "u3").await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let issues = format!("{remove}, #{other}");
    assert_eq!(merge(&operator, add, &issues).await.0, 200);
    assert_eq!(counts(&app, add).await, (3, 3, None, 3));

    let (status, split) = unmerge(&operator, add, &hash_of(&app, "add").await).await;
    assert_eq!(status, 200);
    let split = split.as_i64().expect("the new issue");
    assert!(![add, remove, other].contains(&split), "a new issue");
    assert_eq!(counts(&app, split).await, (1, 1, None, 1));
    assert_eq!(counts(&app, add).await, (2, 2, None, 2));
    let title: String = sqlx::query_scalar("SELECT title FROM error_issues WHERE id = $1")
        .bind(split)
        .fetch_one(&app.db)
        .await
        .expect("title");
    assert_eq!(title, "TypeError: boom");
    assert_eq!(throw(&app, "shop", "add", "u9").await, split);
    assert_eq!(throw(&app, "shop", "checkout", "u9").await, add);
}

#[tokio::test]
async fn merges_name_what_is_wrong_and_only_triagers_may_merge() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add", "u1").await;
    let remove = throw(&app, "shop", "remove", "u1").await;
    let billing = throw(&app, "billing", "charge", "u1").await;
    let hash = hash_of(&app, "remove").await;
    for role in [Role::Manager, Role::Viewer] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(merge(&browser, add, &remove.to_string()).await.0, 403, "{role:?}");
        assert_eq!(unmerge(&browser, remove, &hash).await.0, 403, "{role:?}");
    }
    assert_eq!(counts(&app, remove).await, (1, 1, None, 1), "nothing changed");
    let (admin, _) = app.signed_in(Role::Admin).await;
    for (into, issues, field) in [
        (add, add.to_string(), "into"),
        (add, "".to_string(), "issues"),
        (add, "9999".to_string(), "issues"),
        (9999, remove.to_string(), "into"),
        (add, billing.to_string(), "into"),
    ] {
        let (status, body) = merge(&admin, into, &issues).await;
        assert_eq!(
            (status, body["Validation"]["field"].as_str()),
            (422, Some(field)),
            "{into} ← {issues}"
        );
    }
    let (status, body) = unmerge(&admin, add, &hash).await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (422, Some("hash")),
        "not its hash"
    );
    assert!(app.audit_entries("error_issue.merge").await.is_empty());

    assert_eq!(merge(&admin, add, &remove.to_string()).await.0, 200);
    let (status, body) = merge(&admin, billing, &remove.to_string()).await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (422, Some("issues")),
        "merged already"
    );
    let (status, body) = merge(&admin, remove, &billing.to_string()).await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (422, Some("into")),
        "into a merged one"
    );
}

#[tokio::test]
async fn without_javascript_a_merge_and_an_unmerge_go_to_the_issue_the_events_are_in() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add", "u1").await;
    let remove = throw(&app, "shop", "remove", "u1").await;
    let (support, _) = app.signed_in(Role::Support).await;
    let from = format!("/errors/issues/{remove}");
    let refused = support
        .post_without_js(
            "/api/errors/merge",
            &from,
            &[("into", "#x"), ("issues", &remove.to_string())],
        )
        .await;
    assert!(refused.starts_with(&from) && refused.contains("__err="), "{refused}");
    let (_, page) = support_page(&support, &refused).await;
    assert!(page.contains("Give an issue"), "the refusal is shown");
    assert!(page.contains("value=\"#x\""), "what was typed is kept");

    let to = support
        .post_without_js(
            "/api/errors/merge",
            &from,
            &[("into", &add.to_string()), ("issues", &remove.to_string())],
        )
        .await;
    assert_eq!(to, format!("/errors/issues/{add}"));
    let (_, merged) = support_page(&support, &from).await;
    assert!(
        merged.contains(&format!("href=\"/errors/issues/{add}\"")),
        "the merged issue points on"
    );
    let (_, target) = support_page(&support, &to).await;
    assert_eq!(target.matches("Yes, unmerge").count(), 2, "an Unmerge per hash");

    let hash = hash_of(&app, "remove").await;
    let back = support
        .post_without_js(
            "/api/errors/unmerge",
            &to,
            &[("issue_id", &add.to_string()), ("hash", &hash)],
        )
        .await;
    assert_eq!(back, format!("/errors/issues/{remove}"));
    let (_, target) = support_page(&support, &to).await;
    assert_eq!(
        target.matches("Yes, unmerge").count(),
        0,
        "one hash: nothing to unmerge"
    );
}

async fn support_page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    (response.status().as_u16(), response.text().await.expect("page"))
}
