//! Alert rules as YAML files: the export route (who may download), the
//! import preview (unchanged, update with old and new values, create,
//! problems naming index, rule and field), applying (a version and an audit
//! entry per saved rule, nothing on a problem) and the CLI round trip.

use std::process::{Command, Output};

use app::alerts::rule::RuleDraft;
use app::alerts::ssr::files::render;
use app::alerts::ssr::store;
use app::auth::permissions::Role;
use serde_json::Value;

use crate::helpers::{Browser, TEST_AUDIT_KEY, TestApp, database_server_url, fresh_database};

async fn stored(app: &TestApp) -> Vec<app::alerts::rule::Rule> {
    let mut conn = app.db.acquire().await.expect("conn");
    store::list(&mut conn).await.expect("rules")
}

async fn export(browser: &Browser, query: &str) -> (u16, String) {
    let response = browser.get(&format!("/api/v1/alerts/rules.yaml{query}")).await;
    (response.status().as_u16(), response.text().await.expect("body"))
}

async fn preview(browser: &Browser, yaml: &str) -> Value {
    let response = browser.post_fn("/api/alerts/import-preview", &[("yaml", yaml)]).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("a plan")
}

/// `(name, change word)` for every planned rule.
fn changes(plan: &Value) -> Vec<(String, String)> {
    plan["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|rule| {
            let word = match &rule["change"] {
                Value::String(word) => word.to_lowercase(),
                Value::Object(map) => map.keys().next().expect("variant").to_lowercase(),
                other => panic!("{other}"),
            };
            (rule["name"].as_str().expect("name").to_string(), word)
        })
        .collect()
}

fn changed(rule: &RuleDraft, edit: impl FnOnce(&mut RuleDraft)) -> RuleDraft {
    let mut rule = rule.clone();
    edit(&mut rule);
    rule
}

#[tokio::test]
async fn the_export_is_yaml_that_previews_as_unchanged() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let response = operator.get("/api/v1/alerts/rules.yaml").await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| crate::helpers::header(&response, name).unwrap_or_default().to_string();
    assert!(header("content-type").starts_with("application/yaml"));
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"opsdeck-alert-rules.yaml\""
    );
    let yaml = response.text().await.expect("body");
    assert!(yaml.contains("kind: opsdeck/alert-rules\nversion: 1\n"), "{yaml}");
    let rules = stored(&app).await;
    for rule in &rules {
        assert!(yaml.contains(&format!("name: {}", rule.draft.name)), "{yaml}");
    }
    // The same rules export to the same bytes.
    assert_eq!(export(&operator, "").await.1, yaml);

    let plan = preview(&operator, &yaml).await;
    assert!(plan["problems"].as_array().expect("problems").is_empty(), "{plan}");
    let words = changes(&plan);
    assert_eq!(words.len(), rules.len());
    assert!(words.iter().all(|(_, word)| word == "unchanged"), "{words:?}");

    // One rule only, by id.
    let first = &rules[0];
    let (status, one) = export(&operator, &format!("?rule={}", first.id)).await;
    assert_eq!(status, 200);
    assert_eq!(one, render(std::slice::from_ref(&first.draft)).expect("renders"));
    assert_eq!(export(&operator, "?rule=987654").await.0, 404);
}

#[tokio::test]
async fn the_export_answers_by_role() {
    let app = TestApp::spawn().await;
    assert_eq!(export(&app.browser(), "").await.0, 401);
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(export(&viewer, "").await.0, 403);
    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(export(&manager, "").await.0, 200);
    // Reading is not importing.
    let response = manager.post_fn("/api/alerts/import-preview", &[("yaml", "x")]).await;
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn a_preview_shows_updates_with_old_and_new_values_and_applying_saves_them() {
    let app = TestApp::spawn().await;
    let (operator, user) = app.signed_in(Role::Operator).await;
    let rules = stored(&app).await;
    let target = rules
        .iter()
        .find(|r| r.draft.name == "Postgres slow")
        .expect("a default rule");
    let mut drafts: Vec<RuleDraft> = rules.iter().map(|r| r.draft.clone()).collect();
    for draft in &mut drafts {
        if draft.name == target.draft.name {
            *draft = changed(draft, |d| d.threshold = 1234.5);
        }
    }
    let new = changed(&target.draft, |d| {
        d.name = "Imported rule".into();
        d.description = "From a file".into();
    });
    drafts.push(new.clone());
    let yaml = render(&drafts).expect("renders");

    let plan = preview(&operator, &yaml).await;
    let words = changes(&plan);
    assert!(words.contains(&("Postgres slow".into(), "update".into())), "{words:?}");
    assert!(words.contains(&("Imported rule".into(), "create".into())), "{words:?}");
    assert_eq!(words.iter().filter(|(_, w)| w == "unchanged").count(), rules.len() - 1);
    let update = plan["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["name"] == "Postgres slow")
        .expect("planned");
    let fields = update["change"]["Update"].as_array().expect("fields");
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0]["field"], "threshold");
    assert_eq!(
        fields[0]["old"],
        Value::String(serde_json::json!(target.draft.threshold).to_string())
    );
    assert_eq!(fields[0]["new"], "1234.5");
    // Previewing wrote nothing.
    assert_eq!(stored(&app).await.len(), rules.len());

    let response = operator.post_fn("/api/alerts/import-apply", &[("yaml", &yaml)]).await;
    assert_eq!(response.status().as_u16(), 200);
    let counts: Value = response.json().await.expect("counts");
    assert_eq!(counts["created"], 1);
    assert_eq!(counts["updated"], 1);
    assert_eq!(counts["unchanged"], rules.len() - 1);

    let after = stored(&app).await;
    let slow = after.iter().find(|r| r.id == target.id).expect("still there");
    assert_eq!(slow.draft.threshold, 1234.5);
    assert_eq!(slow.version, target.version + 1);
    let created = after.iter().find(|r| r.draft.name == "Imported rule").expect("created");
    assert_eq!(created.version, 1);
    assert_eq!(created.draft, new);
    let mut conn = app.db.acquire().await.expect("conn");
    let versions = store::versions(&mut conn, target.id).await.expect("versions");
    assert_eq!(versions[0].definition.threshold, 1234.5);
    // Unchanged rules got no new version.
    for rule in after.iter().filter(|r| r.id != target.id && r.id != created.id) {
        assert_eq!(rule.version, 1, "{}", rule.draft.name);
    }
    let audit = app.audit_entries("alert_rule.import").await;
    let mut targets: Vec<String> = audit.iter().filter_map(|(_, _, t)| t.clone()).collect();
    targets.sort();
    let mut expected = vec![target.id.to_string(), created.id.to_string()];
    expected.sort();
    assert_eq!(targets, expected);
    assert!(
        audit
            .iter()
            .all(|(outcome, actor, _)| outcome == "success" && actor.as_deref() == Some(user.email.as_str()))
    );

    // Now the same file changes nothing.
    let words = changes(&preview(&operator, &yaml).await);
    assert!(words.iter().all(|(_, word)| word == "unchanged"), "{words:?}");
}

#[tokio::test]
async fn every_invalid_rule_is_reported_and_apply_refuses() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let rules = stored(&app).await;
    let base = &rules[0].draft;
    let drafts = vec![
        changed(base, |d| {
            d.name = "A fine new rule".into();
        }),
        changed(base, |d| {
            d.name = "B bad window".into();
            d.window_secs = 90;
        }),
        changed(base, |d| {
            d.name = "C bad threshold".into();
            d.recovery_threshold = None;
            d.labels.insert("bad key".into(), "x".into());
        }),
    ];
    let yaml = render(&drafts).expect("renders");
    let plan = preview(&operator, &yaml).await;
    let problems: Vec<String> = plan["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            format!(
                "rules[{}] ({}): {}",
                p["rule"],
                p["name"].as_str().unwrap_or_default(),
                p["field"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            "rules[1] (B bad window): window_secs",
            "rules[2] (C bad threshold): labels"
        ]
    );
    assert!(plan["rules"].as_array().expect("rules").is_empty());

    let response = operator.post_fn("/api/alerts/import-apply", &[("yaml", &yaml)]).await;
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().await.expect("body");
    assert!(body.contains("rules[1] (B bad window): window_secs"), "{body}");
    assert_eq!(stored(&app).await.len(), rules.len(), "nothing was created");
    assert!(app.audit_entries("alert_rule.import").await.is_empty());

    // An unknown field and a syntax error are problems too.
    let typo = yaml.replace("  threshold:", "  treshold: 1\n  threshold:");
    let plan = preview(&operator, &typo).await;
    assert_eq!(plan["problems"][0]["field"], "treshold", "{plan}");
    let plan = preview(&operator, "kind: opsdeck/alert-rules\nversion: 1\nrules: [\n").await;
    assert!(plan["problems"][0]["line"].as_u64().is_some(), "{plan}");
}

#[tokio::test]
async fn the_import_page_previews_without_javascript() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let page = |response: reqwest::Response| async move { response.text().await.expect("page") };
    let empty = page(operator.get("/alerts/rules/import").await).await;
    assert!(
        empty.contains("Paste a file (or choose one) and choose Preview"),
        "{empty}"
    );
    let (_, yaml) = export(&operator, "").await;
    let changed = yaml.replacen("enabled: false", "enabled: true", 1);
    // Preview is a plain form post; the page shows the plan of the posted file.
    let path = crate::forms::post_import(&operator, &changed, None).await;
    let shown = page(operator.get(&path).await).await;
    assert!(shown.contains("data-change=\"update\""), "{shown}");
    assert!(shown.contains("Apply import"), "{shown}");
    // A plain form post applies and comes back with the counts.
    let draft = path.trim_start_matches("/alerts/rules/import?draft=");
    let location = operator
        .post_without_js("/api/alerts/import-apply-draft", &path, &[("draft", draft)])
        .await;
    assert!(
        location.starts_with("/alerts/rules/import?created=0&updated=1&unchanged="),
        "{location}"
    );
    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(manager.get("/alerts/rules/import").await.status().as_u16(), 403);
}

fn cli(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("DATABASE_URL", format!("{}/{database}", database_server_url()))
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .output()
        .expect("opsdeck runs")
}

fn text(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[tokio::test]
async fn the_cli_exports_and_imports_the_same_rules() {
    let database = fresh_database().await;
    let yaml = text(&cli(&database, &["alert-rules", "export"]));
    assert!(yaml.contains("name: Postgres slow"), "{yaml}");
    let one = text(&cli(&database, &["alert-rules", "export", "--rule", "Redis down"]));
    assert!(
        one.contains("name: Redis down") && !one.contains("name: Postgres slow"),
        "{one}"
    );
    assert!(
        !cli(&database, &["alert-rules", "export", "--rule", "No such rule"])
            .status
            .success()
    );

    let dir = std::env::temp_dir().join(format!("opsdeck-rule-files-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("rules.yaml");
    std::fs::write(&file, &yaml).expect("written");
    let path = file.to_string_lossy().to_string();
    let plan = text(&cli(&database, &["alert-rules", "import", "--file", &path]));
    assert!(plan.contains("unchanged Postgres slow"), "{plan}");
    let count = yaml.lines().filter(|line| line.starts_with("- name: ")).count();
    assert!(count >= 5, "{yaml}");
    assert!(
        plan.contains(&format!("plan: 0 created, 0 updated, {count} unchanged")),
        "{plan}"
    );

    std::fs::write(&file, yaml.replacen("enabled: false", "enabled: true", 1)).expect("written");
    let plan = text(&cli(&database, &["alert-rules", "import", "--file", &path]));
    assert!(plan.contains("  enabled: false -> true"), "{plan}");
    assert!(plan.contains("run again with --apply"), "{plan}");
    let applied = text(&cli(&database, &["alert-rules", "import", "--file", &path, "--apply"]));
    assert!(
        applied.contains(&format!("applied: 0 created, 1 updated, {} unchanged", count - 1)),
        "{applied}"
    );
    // Exported again, the file is what was imported.
    assert_eq!(
        text(&cli(&database, &["alert-rules", "export"])),
        yaml.replacen("enabled: false", "enabled: true", 1)
    );
    let pool = sqlx::PgPool::connect(&format!("{}/{database}", database_server_url()))
        .await
        .expect("database");
    let actors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT actor_email FROM audit_log WHERE action = 'alert_rule.import'")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(actors, vec![Some("cli".to_string())]);

    std::fs::write(
        &file,
        "kind: opsdeck/alert-rules\nversion: 1\nrules:\n  - name: x\n    colour: red\n",
    )
    .expect("written");
    let refused = cli(&database, &["alert-rules", "import", "--file", &path, "--apply"]);
    assert!(!refused.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
