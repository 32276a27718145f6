//! "Merge the ticked…" on the Errors page: the ticked issues merge into the
//! one named or the oldest ticked, audited as any merge, without JavaScript
//! too (the bulk form's button posts to `errors/merge-ticked`); refusals
//! come back to the page; only those who triage see it or may do it.

use app::auth::permissions::Role;

use crate::helpers::{Browser, TestApp};

/// Sends one exception event thrown in `function`; answers its issue.
async fn throw(app: &TestApp, service: &str, function: &str) -> i64 {
    crate::errors_merge::throw(app, service, function, function).await
}

/// (events, merged_into) of an issue.
async fn issue(app: &TestApp, id: i64) -> (i64, Option<i64>) {
    sqlx::query_as("SELECT event_count, merged_into FROM error_issues WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("issue")
}

/// Posts the ticked `ids` and `into` as the hydrated page does; the status and JSON answer.
async fn merge_ticked(browser: &Browser, ids: &[i64], into: &str) -> (u16, serde_json::Value) {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("issue_ids[]", id.as_str())).collect();
    form.push(("into", into));
    let response = browser.post_fn("/api/errors/merge-ticked", &form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    (response.status().as_u16(), response.text().await.expect("page"))
}

#[tokio::test]
async fn the_ticked_issues_merge_into_the_oldest_without_javascript_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add").await;
    let remove = throw(&app, "shop", "remove").await;
    let checkout = throw(&app, "shop", "checkout").await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, list) = page(&support, "/errors").await;
    assert_eq!(status, 200);
    assert!(list.contains("Merge the ticked…"), "the confirmation's summary");
    assert!(
        list.contains("formaction=\"/api/errors/merge-ticked\""),
        "the button posts the bulk form to the merge"
    );

    // One ticked issue and no target: refused, shown on the page.
    let one = remove.to_string();
    let refused = support
        .post_without_js(
            "/api/errors/merge-ticked",
            "/errors",
            &[("issue_ids[]", &one), ("into", "")],
        )
        .await;
    assert!(
        refused.starts_with("/errors") && refused.contains("__err="),
        "{refused}"
    );
    let (_, shown) = page(&support, &refused).await;
    assert!(
        shown.contains("Tick at least two issues to merge"),
        "the refusal is shown"
    );
    assert!(app.audit_entries("error_issue.merge").await.is_empty());

    // The bulk form's other fields go along and are ignored.
    let ticked = [checkout, remove, add].map(|id| id.to_string());
    let mut form: Vec<(&str, &str)> = ticked.iter().map(|id| ("issue_ids[]", id.as_str())).collect();
    form.extend([("into", ""), ("change", "resolve")]);
    let to = support
        .post_without_js("/api/errors/merge-ticked", "/errors", &form)
        .await;
    let oldest = add.min(remove).min(checkout);
    assert_eq!(to, format!("/errors/issues/{oldest}"));
    assert_eq!(issue(&app, oldest).await, (3, None));
    for other in [add, remove, checkout].into_iter().filter(|id| *id != oldest) {
        assert_eq!(issue(&app, other).await, (0, Some(oldest)));
    }
    let audited = app.audit_entries("error_issue.merge").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "success");
    assert_eq!(audited[0].2, Some(oldest.to_string()));
    assert!(audited[0].1.is_some(), "who merged");
    let state: String = sqlx::query_scalar("SELECT state FROM error_issues WHERE id = $1")
        .bind(oldest)
        .fetch_one(&app.db)
        .await
        .expect("state");
    assert_eq!(state, "unresolved", "the state change was not made");
}

#[tokio::test]
async fn a_named_target_takes_the_ticked_issues_and_only_triagers_may() {
    let app = TestApp::spawn().await;
    let add = throw(&app, "shop", "add").await;
    let remove = throw(&app, "shop", "remove").await;
    let billing = throw(&app, "billing", "charge").await;
    for role in [Role::Manager, Role::Viewer] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(merge_ticked(&browser, &[add, remove], "").await.0, 403, "{role:?}");
    }
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = merge_ticked(&support, &[add, remove], &billing.to_string()).await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (422, Some("into")),
        "another service's issue"
    );
    assert_eq!(issue(&app, add).await, (1, None), "nothing moved");
    let (status, body) = merge_ticked(&support, &[add, remove], &format!("#{remove}")).await;
    assert_eq!((status, body.as_i64()), (200, Some(remove)));
    assert_eq!(issue(&app, add).await, (0, Some(remove)));
    assert_eq!(issue(&app, remove).await, (2, None));
    let audited = app.audit_entries("error_issue.merge").await;
    assert_eq!(audited.last().map(|a| a.2.clone()), Some(Some(remove.to_string())));
}
