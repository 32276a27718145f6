//! `opsdeck errors dsn create` and `opsdeck errors send-test`, called as
//! the CLI calls them, against a running test server.

use app::auth::permissions::Role;
use opsdeck::cli::errors::{create_dsn, send_test};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_dsn_created_from_the_cli_takes_a_test_event_that_lands_in_an_issue() {
    let app = TestApp::spawn().await;
    let config = app.sibling().set("OPSDECK_PUBLIC_URL", app.address.clone()).config();
    let created = create_dsn(config, "checkout".into(), None, 0).await.expect("created");
    let dsn = created.dsn.expect("a DSN");
    let project: i32 = sqlx::query_scalar("SELECT id FROM error_projects WHERE service = 'checkout'")
        .fetch_one(&app.db)
        .await
        .expect("project");
    let host = app.address.trim_start_matches("http://");
    assert!(dsn.starts_with("http://odk_"), "{dsn}");
    assert!(dsn.ends_with(&format!("@{host}/{project}")), "{dsn}");
    assert_eq!(created.key.name, "checkout DSN");
    // Audited as `opsdeck api-key create` is: the CLI as actor, the key as target.
    let audited = app.audit_entries("api_key.create").await;
    assert_eq!(
        audited,
        vec![(
            "success".to_string(),
            Some("cli".to_string()),
            Some(created.key.id.to_string())
        )]
    );
    let agent: String = sqlx::query_scalar("SELECT user_agent FROM audit_log WHERE action = 'api_key.create'")
        .fetch_one(&app.db)
        .await
        .expect("agent");
    assert_eq!(agent, "opsdeck errors dsn create (CLI)");

    let sent = send_test(&dsn).await.expect("sent");
    let (service, issue, title): (String, i64, String) = sqlx::query_as(
        "SELECT e.service, e.issue_id, i.title FROM error_events e JOIN error_issues i ON i.id = e.issue_id \
         WHERE e.event_id = $1",
    )
    .bind(&sent.event_id)
    .fetch_one(&app.db)
    .await
    .expect("stored");
    assert_eq!(service, "checkout");
    assert!(title.starts_with("OpsdeckTestError: a test event"), "{title}");
    let url = sent.issue_url.expect("the issue's page");
    assert_eq!(url, format!("{}/errors/issues/{issue}", app.address));
    let (support, _) = app.signed_in(Role::Support).await;
    let page = support.get(url.trim_start_matches(&app.address)).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("page").contains("OpsdeckTestError"));

    sqlx::query("UPDATE api_keys SET revoked_at = now()")
        .execute(&app.db)
        .await
        .expect("revoked");
    let refused = send_test(&dsn).await.expect_err("a revoked DSN is refused");
    assert!(refused.to_string().contains("401"), "{refused}");
}

#[tokio::test]
async fn a_dsn_needs_a_service_and_a_bad_dsn_is_named() {
    let app = TestApp::spawn().await;
    let refused = create_dsn(app.sibling().config(), String::new(), None, 0)
        .await
        .expect_err("no service");
    assert!(!refused.to_string().is_empty());
    assert!(app.audit_entries("api_key.create").await.is_empty());
    let refused = send_test("http://127.0.0.1:1/3").await.expect_err("no key");
    assert!(refused.to_string().contains("has no key"), "{refused}");
}
