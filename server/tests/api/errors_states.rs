//! Issue states tied to deployments: resolving (now, in the next release,
//! in a named release) and when an event reopens the issue — ordered by
//! Opsdeck's deployment records, then semver, then first seen —; ignoring
//! until a time, N more events or N more users; every change audited and on
//! the issue's timeline; who may change states; bulk changes of the ticked
//! issues only.

use app::audit::ssr::AuditKey;
use app::auth::permissions::Role;
use app::errors::ssr::reopen::expire_ignores;
use serde_json::{Value, json};

use crate::errors_ingest::{dsn_key, envelope, event_item, exception_event, post};
use crate::helpers::{Browser, TEST_AUDIT_KEY, TestApp};
use crate::ingest::insert_key;

/// A project's DSN key and a deployments key, to send events and record releases.
struct Service {
    project: i32,
    dsn_key: String,
    deploy_key: String,
}

async fn service(app: &TestApp, name: &str) -> Service {
    let (project, dsn_key) = dsn_key(app, name).await;
    let (_, deploy_key) = insert_key(app, &["deployments:write"]).await;
    Service {
        project,
        dsn_key,
        deploy_key,
    }
}

/// One event of the same issue from `release` (none: no release), by `user`.
async fn event(app: &TestApp, service: &Service, release: Option<&str>, user: &str) {
    let mut event = exception_event("checkout", 12, "card declined", user);
    event["release"] = json!(release);
    let path = format!("/api/{}/envelope/", service.project);
    let response = post(
        app,
        &path,
        Some(&service.dsn_key),
        envelope(&[event_item(&event)]),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
}

async fn deploy(app: &TestApp, service: &Service, name: &str, version: &str) {
    let body = json!({ "service": name, "version": version, "environment": "production", "status": "succeeded" });
    let (status, answer) = crate::deployments::post(app, &service.deploy_key, &body).await;
    assert_eq!(status, 201, "{answer}");
}

async fn only_issue(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM error_issues")
        .fetch_one(&app.db)
        .await
        .expect("one issue")
}

async fn state(app: &TestApp, issue: i64) -> String {
    sqlx::query_scalar("SELECT state FROM error_issues WHERE id = $1")
        .bind(issue)
        .fetch_one(&app.db)
        .await
        .expect("state")
}

/// Calls `errors/set-state` for `issues` with `fields`; (status, body).
async fn set_state(browser: &Browser, issues: &[i64], fields: &[(&str, &str)]) -> (u16, Value) {
    let ids: Vec<String> = issues.iter().map(i64::to_string).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("issue_ids[]", id.as_str())).collect();
    form.extend_from_slice(fields);
    let response = browser.post_fn("/api/errors/set-state", &form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn timeline(browser: &Browser, issue: i64) -> Value {
    let response = browser
        .post_fn("/api/errors/issue-triage", &[("issue_id", &issue.to_string())])
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn resolved_in_the_next_release_an_old_release_does_not_reopen_it_and_the_new_one_does() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    deploy(&app, &shop, "shop", "shop@1.0.0").await;
    event(&app, &shop, Some("shop@1.0.0"), "u1").await;
    let issue = only_issue(&app).await;
    let (support, user) = app.signed_in(Role::Support).await;

    let (status, body) = set_state(&support, &[issue], &[("change", "resolve_next_release")]).await;
    assert_eq!((status, &body["changed"]), (200, &json!([issue])), "{body}");
    let current: Option<String> = sqlx::query_scalar("SELECT resolved_current_release FROM error_issues")
        .fetch_one(&app.db)
        .await
        .expect("current");
    assert_eq!(current.as_deref(), Some("shop@1.0.0"));

    // Still the old release, before and after the next one is deployed: a lagging instance.
    event(&app, &shop, Some("shop@1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "resolved");
    deploy(&app, &shop, "shop", "shop@1.1.0").await;
    event(&app, &shop, Some("shop@1.0.0"), "u2").await;
    assert_eq!(state(&app, issue).await, "resolved");
    let summary = timeline(&support, issue).await["state"]["summary"].clone();
    assert!(
        summary.as_str().expect("text").contains("next release, shop@1.1.0"),
        "{summary}"
    );

    event(&app, &shop, Some("shop@1.1.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "regressed");
    assert_eq!(
        app.audit_entries("error_issue.resolve").await,
        vec![("success".to_string(), Some(user.email.clone()), Some(issue.to_string()))]
    );
    assert_eq!(
        app.audit_entries("error_issue.regress").await,
        vec![(
            "success".to_string(),
            Some("Opsdeck".to_string()),
            Some(issue.to_string())
        )]
    );
    let triage = timeline(&support, issue).await;
    let entries = triage["timeline"].as_array().expect("entries");
    let lines: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["who"].as_str().unwrap_or(""), e["what"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(lines, vec![("Opsdeck", "Regressed"), (user.email.as_str(), "Resolved")]);
    assert_eq!(
        entries[0]["after"],
        "regressed (an event from shop@1.1.0, resolved in shop@1.1.0)"
    );
    assert_eq!(entries[1]["after"], "resolved in the next release (after shop@1.0.0)");
    // The page shows the same timeline.
    let (_, html) = page(&support, &format!("/errors/issues/{issue}")).await;
    assert!(html.contains("Regressed") && html.contains("Opsdeck") && html.contains(&user.email));
}

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    (response.status().as_u16(), response.text().await.expect("page"))
}

#[tokio::test]
async fn a_named_release_is_ordered_by_deployments_before_semver() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    // 2.0.0 went out first, then the 1.9.0 line replaced it: deployments say 2.0.0 is older.
    deploy(&app, &shop, "shop", "2.0.0").await;
    deploy(&app, &shop, "shop", "1.9.0").await;
    event(&app, &shop, Some("2.0.0"), "u1").await;
    let issue = only_issue(&app).await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let fields = [("change", "resolve_in_release"), ("release", "1.9.0")];
    assert_eq!(set_state(&operator, &[issue], &fields).await.0, 200);
    event(&app, &shop, Some("2.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "resolved", "2.0.0 was deployed before 1.9.0");
    event(&app, &shop, Some("1.9.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "regressed");
}

#[tokio::test]
async fn without_deployments_semver_then_first_seen_decide() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    event(&app, &shop, Some("shop@1.2.0"), "u1").await;
    let issue = only_issue(&app).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let fields = [("change", "resolve_in_release"), ("release", "shop@1.3.0")];
    assert_eq!(set_state(&admin, &[issue], &fields).await.0, 200);
    event(&app, &shop, Some("shop@1.2.5"), "u1").await;
    assert_eq!(state(&app, issue).await, "resolved", "1.2.5 is before 1.3.0");
    event(&app, &shop, Some("shop@1.10.0"), "u1").await;
    assert_eq!(
        state(&app, issue).await,
        "regressed",
        "1.10.0 is after 1.3.0 (not as text)"
    );

    // Commit hashes: the one current at the resolve, then one first seen later.
    let (status, _) = set_state(&admin, &[issue], &[("change", "unresolve")]).await;
    assert_eq!(status, 200);
    event(&app, &shop, Some("9f2c1e7"), "u1").await;
    assert_eq!(
        set_state(&admin, &[issue], &[("change", "resolve_next_release")])
            .await
            .0,
        200
    );
    event(&app, &shop, Some("9f2c1e7"), "u1").await;
    event(&app, &shop, Some("shop@1.2.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "resolved", "releases seen before the resolve");
    event(&app, &shop, Some("a41b2c9"), "u1").await;
    assert_eq!(state(&app, issue).await, "regressed", "a release first seen after it");
}

#[tokio::test]
async fn plain_resolve_reopens_on_any_event_and_ignore_forever_on_none() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    event(&app, &shop, Some("shop@1.0.0"), "u1").await;
    let issue = only_issue(&app).await;
    let (support, _) = app.signed_in(Role::Support).await;
    assert_eq!(set_state(&support, &[issue], &[("change", "resolve")]).await.0, 200);
    // A second resolve changes nothing and writes no entry.
    let (_, again) = set_state(&support, &[issue], &[("change", "resolve")]).await;
    assert_eq!((&again["changed"], &again["unchanged"]), (&json!([]), &json!([issue])));
    assert_eq!(app.audit_entries("error_issue.resolve").await.len(), 1);
    event(&app, &shop, Some("shop@0.1.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "regressed", "any event, even an old release");

    assert_eq!(set_state(&support, &[issue], &[("change", "ignore")]).await.0, 200);
    for _ in 0..3 {
        event(&app, &shop, None, "u9").await;
    }
    assert_eq!(state(&app, issue).await, "ignored");
}

#[tokio::test]
async fn ignored_issues_come_back_when_their_condition_passes() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    event(&app, &shop, Some("1.0.0"), "u1").await;
    let issue = only_issue(&app).await;
    let (support, _) = app.signed_in(Role::Support).await;

    // Until 2 more events.
    let fields = [("change", "ignore_until_events"), ("count", "2")];
    assert_eq!(set_state(&support, &[issue], &fields).await.0, 200);
    event(&app, &shop, Some("1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "ignored");
    event(&app, &shop, Some("1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "unresolved");

    // Until 1 more user: the same user again does not count.
    let fields = [("change", "ignore_until_users"), ("count", "1")];
    assert_eq!(set_state(&support, &[issue], &fields).await.0, 200);
    event(&app, &shop, Some("1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "ignored");
    event(&app, &shop, Some("1.0.0"), "u2").await;
    assert_eq!(state(&app, issue).await, "unresolved");

    // For a while: an event after the time brings it back...
    let fields = [("change", "ignore_for"), ("duration", "30m")];
    assert_eq!(set_state(&support, &[issue], &fields).await.0, 200);
    event(&app, &shop, Some("1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "ignored", "within the 30 minutes");
    let past = "UPDATE error_issues SET ignore_until = now() - interval '1 minute'";
    sqlx::query(past).execute(&app.db).await.expect("time passes");
    event(&app, &shop, Some("1.0.0"), "u1").await;
    assert_eq!(state(&app, issue).await, "unresolved");

    // ...and so does the sweep, without one.
    assert_eq!(set_state(&support, &[issue], &fields).await.0, 200);
    let key = AuditKey::new(&hex::decode(TEST_AUDIT_KEY).expect("hex"));
    let now = chrono::Utc::now();
    assert_eq!(expire_ignores(&app.db, &key, now, 10).await.expect("sweep"), 0);
    sqlx::query(past).execute(&app.db).await.expect("time passes");
    assert_eq!(expire_ignores(&app.db, &key, now, 10).await.expect("sweep"), 1);
    assert_eq!(state(&app, issue).await, "unresolved");

    let unignored = app.audit_entries("error_issue.unignore").await;
    assert_eq!(unignored.len(), 4);
    assert!(unignored.iter().all(|(_, who, _)| who.as_deref() == Some("Opsdeck")));
    assert_eq!(app.audit_entries("error_issue.ignore").await.len(), 4);
    let mut conn = app.db.acquire().await.expect("connection");
    let report = app::audit::ssr::verify_chain(&mut conn, &key).await.expect("verify");
    assert!(matches!(report, app::audit::ChainReport::Intact { .. }), "{report:?}");
}

#[tokio::test]
async fn only_admins_operators_and_support_change_states_and_bad_input_names_its_field() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    event(&app, &shop, Some("1.0.0"), "u1").await;
    let issue = only_issue(&app).await;
    for role in [Role::Manager, Role::Viewer] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(
            set_state(&browser, &[issue], &[("change", "resolve")]).await.0,
            403,
            "{role:?}"
        );
        let triage = browser
            .post_fn("/api/errors/issue-triage", &[("issue_id", &issue.to_string())])
            .await;
        assert_eq!(triage.status(), 403, "{role:?}");
    }
    assert_eq!(state(&app, issue).await, "unresolved");
    assert!(app.audit_entries("error_issue.resolve").await.is_empty());

    let (support, _) = app.signed_in(Role::Support).await;
    for (ids, fields, field) in [
        (vec![], vec![("change", "resolve")], "issue_ids"),
        (vec![issue, 999_999], vec![("change", "resolve")], "issue_ids"),
        (
            vec![issue],
            vec![("change", "resolve_in_release"), ("release", " ")],
            "release",
        ),
        (
            vec![issue],
            vec![("change", "ignore_for"), ("duration", "1y")],
            "duration",
        ),
        (
            vec![issue],
            vec![("change", "ignore_until_users"), ("count", "0")],
            "count",
        ),
        (vec![issue], vec![("change", "delete")], "change"),
    ] {
        let (status, body) = set_state(&support, &ids, &fields).await;
        assert_eq!(
            (status, body["Validation"]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    assert_eq!(state(&app, issue).await, "unresolved", "nothing changed");

    // Without JavaScript: back to the issue page with the error and what was typed.
    let from = format!("/errors/issues/{issue}");
    let form = [
        ("issue_ids[]", issue.to_string()),
        ("change", "resolve_in_release".to_string()),
        ("release", String::new()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let location = support.post_without_js("/api/errors/set-state", &from, &form).await;
    assert!(location.starts_with(&from) && location.contains("__err="), "{location}");
    let (status, html) = page(&support, &location).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Name the release that fixes it"),
        "the message beside the field"
    );
}

#[tokio::test]
async fn bulk_changes_act_on_the_ticked_issues_only() {
    let app = TestApp::spawn().await;
    let shop = service(&app, "shop").await;
    for function in ["pay", "ship", "bill"] {
        let event = exception_event(function, 3, "boom", "u1");
        let path = format!("/api/{}/envelope/", shop.project);
        let response = post(&app, &path, Some(&shop.dsn_key), envelope(&[event_item(&event)]), None).await;
        assert_eq!(response.status(), 200);
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM error_issues ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("issues");
    let (support, _) = app.signed_in(Role::Support).await;
    let (_, html) = page(&support, "/errors").await;
    assert_eq!(html.matches("form=\"errors-bulk\"").count(), 3, "a checkbox per row");

    // Without JavaScript, as the page posts it: two ticked rows.
    let (a, b) = (ids[0].to_string(), ids[2].to_string());
    let form = [
        ("change", "resolve"),
        ("issue_ids[]", a.as_str()),
        ("issue_ids[]", b.as_str()),
    ];
    let location = support.post_without_js("/api/errors/set-state", "/errors", &form).await;
    assert_eq!(location.trim_end_matches('?'), "/errors", "back to the list");
    let states: Vec<String> = sqlx::query_scalar("SELECT state FROM error_issues ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("states");
    assert_eq!(states, vec!["resolved", "unresolved", "resolved"]);
    let targets: Vec<Option<String>> = app
        .audit_entries("error_issue.resolve")
        .await
        .into_iter()
        .map(|(_, _, target)| target)
        .collect();
    assert_eq!(targets, vec![Some(a), Some(b)], "one entry per issue");

    // Nothing ticked: refused, said above the list.
    let location = support
        .post_without_js("/api/errors/set-state", "/errors", &[("change", "ignore")])
        .await;
    let (_, html) = page(&support, &location).await;
    assert!(html.contains("Select at least one issue"), "{location}");
    assert!(app.audit_entries("error_issue.ignore").await.is_empty());
}
