//! A refused submit shows every field's message at once, beside its field,
//! with what was typed kept, on the forms that used to show only the first
//! problem or lose the form: the silence form, recording and finishing a
//! deployment (and the deployments API), and a rules import's preview.
//! Text with `</textarea>`, `<script>` and `"` typed into them comes back
//! exactly, as text.

use app::auth::permissions::Role;
use chrono::{Duration, Utc};
use scraper::Html;
use serde_json::json;

use crate::deployments::post;
use crate::forms::{INJECTION, assert_not_injected, field_error, page, post_import, select, value_of};
use crate::helpers::TestApp;
use crate::ingest::insert_key;

/// Typed into a one-line field: a quote, a script and the end of a text area.
const QUOTED: &str = "\"q\" </textarea><script>alert(1)</script>";

#[tokio::test]
async fn a_refused_silence_shows_every_field_error_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let location = operator
        .post_without_js(
            "/api/alerts/silence-create",
            "/alerts/silences",
            &[
                ("silence[rule_name]", QUOTED),
                ("silence[severity]", "urgent"),
                ("silence[labels]", "team"),
                ("silence[starts_at]", "2026-12-01T10:00"),
                ("silence[duration]", "soon"),
                ("silence[comment]", INJECTION),
            ],
        )
        .await;
    let html = page(&operator, &location).await;
    assert!(field_error(&html, "severity", "silence-severity").is_some(), "severity");
    assert!(field_error(&html, "labels", "silence-labels").is_some(), "labels");
    let duration = field_error(&html, "duration", "silence-duration").expect("duration");
    assert!(duration.contains("30m, 2h"), "{duration}");
    assert_eq!(value_of(&html, "silence-rule_name").as_deref(), Some(QUOTED));
    assert_eq!(
        value_of(&html, "silence-starts_at").as_deref(),
        Some("2026-12-01T10:00")
    );
    assert_eq!(value_of(&html, "silence-duration").as_deref(), Some("soon"));
    assert_not_injected(&html, &[("silence-comment", INJECTION), ("silence-labels", "team")]);
    let shown = Html::parse_document(&html);
    assert!(
        select(&shown, "script")
            .iter()
            .all(|s| !s.inner_html().contains("alert(1)"))
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_silences")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_refused_deployment_shows_every_field_error_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let location = operator
        .post_without_js(
            "/api/deployments/record",
            "/deployments",
            &[
                ("service", "checkout"),
                ("version", ""),
                ("environment", "prod west"),
                ("commit", "abc def"),
                ("status", "started"),
                ("finished_at", "2026-11-24T10:00"),
                ("deployed_by", QUOTED),
                ("notes_url", "not a link"),
            ],
        )
        .await;
    let html = page(&operator, &location).await;
    for field in ["version", "environment", "commit", "finished_at", "notes_url"] {
        assert!(
            field_error(&html, field, &format!("record-{field}")).is_some(),
            "{field} has its message"
        );
    }
    assert_eq!(value_of(&html, "record-service").as_deref(), Some("checkout"));
    assert_eq!(value_of(&html, "record-environment").as_deref(), Some("prod west"));
    assert_eq!(value_of(&html, "record-deployed_by").as_deref(), Some(QUOTED));
    assert_eq!(value_of(&html, "record-status").as_deref(), Some("started"));
    assert!(html.contains("5 fields need correcting"), "the count above the button");

    // The API names the first problem as before, and every one under `errors`.
    let (_, key) = insert_key(&app, &["deployments:write"]).await;
    let (status, answer) = post(
        &app,
        &key,
        &json!({ "service": "", "version": "v1", "status": "done", "notes_url": "x" }),
    )
    .await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("service")), "{answer}");
    let fields: Vec<&str> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["service", "status", "notes_url"], "{answer}");
}

#[tokio::test]
async fn a_refused_finish_keeps_its_row_open_with_each_message_beside_its_field() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let started = (Utc::now() - Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let response = operator
        .post_fn(
            "/api/deployments/record",
            &[
                ("service", "checkout"),
                ("version", "v9"),
                ("status", "started"),
                ("started_at", &started),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let id = response.json::<serde_json::Value>().await.expect("json")["id"]
        .as_i64()
        .expect("an id");

    // A finish before the start: refused after it was read, beside its field.
    let before = (Utc::now() - Duration::hours(2)).format("%Y-%m-%dT%H:%M").to_string();
    let id_text = id.to_string();
    let finish = |status: &'static str, at: String| {
        let id_text = id_text.clone();
        let operator = &operator;
        async move {
            operator
                .post_without_js(
                    "/api/deployments/finish",
                    "/deployments?service=checkout",
                    &[("deployment_id", &id_text), ("status", status), ("finished_at", &at)],
                )
                .await
        }
    };
    let location = finish("failed", before.clone()).await;
    assert!(location.starts_with("/deployments?service=checkout"), "{location}");
    let html = page(&operator, &location).await;
    let time = format!("finish-time-{id}");
    let message = field_error(&html, &format!("finished_at-{id}"), &time).expect("beside Finished at");
    assert!(message.contains("before started_at"), "{message}");
    assert_eq!(value_of(&html, &time), Some(before));
    assert_eq!(
        value_of(&html, &format!("finish-status-{id}")).as_deref(),
        Some("failed")
    );
    let shown = Html::parse_document(&html);
    let open = select(&shown, "details.confirm[open]");
    assert_eq!(open.len(), 1, "the row's Finish stays open");
    assert!(open[0].html().contains(&time));
    assert_eq!(
        select(&shown, &format!("#{time}"))[0].value().attr("autofocus"),
        Some(""),
        "the refused field takes the focus"
    );
    let told: Vec<_> = select(&shown, "[role=alert]")
        .into_iter()
        .filter(|alert| alert.text().collect::<String>().contains("before started_at"))
        .collect();
    assert_eq!(told.len(), 1, "told once, beside the field, not again above the table");

    // Two wrong fields at once, typed text kept exactly.
    let location = finish("started", QUOTED.to_string()).await;
    let html = page(&operator, &location).await;
    assert!(field_error(&html, &format!("status-{id}"), &format!("finish-status-{id}")).is_some());
    assert!(field_error(&html, &format!("finished_at-{id}"), &time).is_some());
    assert_eq!(value_of(&html, &time).as_deref(), Some(QUOTED));
    let status: String = sqlx::query_scalar("SELECT status FROM deployments WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("status");
    assert_eq!(status, "started", "nothing refused was stored");
}

#[tokio::test]
async fn an_import_preview_names_every_problem_of_every_rule() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let yaml = format!(
        "kind: opsdeck/alert-rules\nversion: 1\nrules:\n\
         - name: First\n  description: '{}'\n  service: shop\n  aggregation: p95\n  window_secs: 90\n  comparator: '>'\n  threshold: lots\n  no_data: keep\n  severity: urgent\n\
         - name: Second\n  service: shop\n  aggregation: median\n  window_secs: 300\n  comparator: '>'\n  threshold: 5\n  no_data: keep\n  severity: info\n  channels: [nosuch]\n  owner: me\n",
        QUOTED.replace('\'', "''")
    );
    let location = post_import(&operator, &yaml, None).await;
    let html = page(&operator, &location).await;
    let shown = Html::parse_document(&html);
    let problems: Vec<String> = select(&shown, "#import-problems-list li")
        .iter()
        .map(|li| li.text().collect())
        .collect();
    for expected in [
        "rules[0] (First): window_secs: ",
        "rules[0] (First): threshold: ",
        "rules[0] (First): severity: ",
        "rules[1] (Second): aggregation: ",
        "rules[1] (Second): owner: Unknown field",
        "rules[1] (Second): channels: No notification channel named nosuch",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} in {problems:#?}"
        );
    }
    let area = select(&shown, "textarea#import-yaml");
    assert_eq!(area[0].value().attr("aria-describedby"), Some("import-problems-list"));
    assert_eq!(area[0].value().attr("aria-invalid"), Some("true"));
    assert_not_injected(&html, &[("import-yaml", &yaml)]);
}
