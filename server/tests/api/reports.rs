//! Monthly reports against stored alerts, deployments, backups and
//! requests: the incidents with their times to acknowledge and resolve,
//! the change failure rate, backups' success, each service's month against
//! the month before; the month's bounds in UTC; CSV downloads; who may read
//! them; bad months refused.

use app::alerts::ssr::store;
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use app::reports::month::Month;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::backups::post_ok;
use crate::helpers::{TestApp, always_firing_rule, p95_rule, store_requests};

/// A day and time of `month`: `day` (1-based) at `hour:minute` UTC.
fn on(month: Month, day: i64, hour: i64, minute: i64) -> DateTime<Utc> {
    month.start() + Duration::days(day - 1) + Duration::hours(hour) + Duration::minutes(minute)
}

async fn rule(app: &TestApp, draft: app::alerts::rule::RuleDraft) -> i64 {
    let mut conn = app.db.acquire().await.expect("connection");
    let (id, _) = store::save(&mut conn, None, &draft, None)
        .await
        .expect("saved")
        .expect("a new rule");
    id
}

async fn event(
    app: &TestApp,
    rule: i64,
    at: DateTime<Utc>,
    to: &str,
    severity: &str,
    acknowledged: Option<DateTime<Utc>>,
) {
    let from = if to == "firing" { "pending" } else { "firing" };
    sqlx::query(
        "INSERT INTO alert_events (rule_id, at, from_state, to_state, value, threshold, severity, acknowledged_at) \
         VALUES ($1, $2, $3, $4, 1, 0, $5, $6)",
    )
    .bind(rule)
    .bind(at)
    .bind(from)
    .bind(to)
    .bind(severity)
    .bind(acknowledged)
    .execute(&app.db)
    .await
    .expect("event");
}

async fn deployment(app: &TestApp, service: &str, version: &str, at: DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO deployments (service, version, environment, status, started_at, finished_at, deployed_by, source) \
         VALUES ($1, $2, 'production', 'succeeded', $3, $3 + interval '2 minutes', 'ci', 'api') RETURNING id",
    )
    .bind(service)
    .bind(version)
    .bind(at)
    .fetch_one(&app.db)
    .await
    .expect("deployment")
}

/// `n` requests of `service` on `at`'s minute, the first `errors` of them 500s.
fn requests(service: &str, at: DateTime<Utc>, n: usize, errors: usize, ms: f64) -> Vec<RequestEvent> {
    (0..n)
        .map(|i| RequestEvent {
            service: service.into(),
            endpoint: "/pay".into(),
            method: "POST".into(),
            status: if i < errors { 500 } else { 200 },
            duration_ms: ms,
            ts: at + Duration::milliseconds(i as i64),
        })
        .collect()
}

/// Last month's story: two incidents, three deployments (one followed by a
/// critical alert), four backup runs, and requests this month and the one before.
pub(crate) async fn last_month(app: &TestApp) -> Month {
    let month = Month::of(Utc::now()).previous();
    let critical = rule(app, always_firing_rule("shop")).await;
    let warning = rule(app, p95_rule("Shop slow")).await;
    event(
        app,
        critical,
        on(month, 2, 10, 0),
        "firing",
        "critical",
        Some(on(month, 2, 10, 4)),
    )
    .await;
    event(app, critical, on(month, 2, 10, 30), "resolved", "critical", None).await;
    event(app, warning, on(month, 5, 8, 0), "firing", "warning", None).await;
    event(app, warning, on(month, 5, 9, 0), "resolved", "warning", None).await;
    // Outside the month, or of severity info: not incidents of it.
    event(
        app,
        warning,
        month.start() - Duration::minutes(1),
        "firing",
        "warning",
        None,
    )
    .await;
    event(app, warning, month.end(), "firing", "warning", None).await;
    event(app, critical, on(month, 20, 0, 0), "firing", "info", None).await;

    deployment(app, "shop", "v1.4.0", on(month, 2, 9, 30)).await;
    deployment(app, "shop", "v1.4.1", on(month, 10, 12, 0)).await;
    deployment(app, "cart", "v7", on(month, 2, 9, 45)).await;

    let target: i64 = sqlx::query_scalar("SELECT id FROM backup_targets WHERE is_self")
        .fetch_one(&app.db)
        .await
        .expect("the self target");
    for (day, status) in [(1, "succeeded"), (2, "succeeded"), (3, "failed"), (4, "succeeded")] {
        let run: i64 = sqlx::query_scalar(
            "INSERT INTO backup_runs (target_id, trigger, started_by, started_at, finished_at, status, \
                 sha256, location, size_bytes, table_counts, error) \
             VALUES ($1, 'schedule', 'scheduler', $2, $2 + interval '1 minute', $3, \
                 repeat('a', 64), 'x.dump', 1, '{}', CASE WHEN $3 = 'failed' THEN 'disk full' END) RETURNING id",
        )
        .bind(target)
        .bind(on(month, day, 3, 0))
        .bind(status)
        .fetch_one(&app.db)
        .await
        .expect("run");
        if day == 2 {
            sqlx::query(
                "INSERT INTO backup_checks (run_id, kind, started_by, started_at, finished_at, outcome) \
                 VALUES ($1, 'restore_test', 'scheduler', $2, $2 + interval '5 minutes', 'pass')",
            )
            .bind(run)
            .bind(on(month, day, 4, 0))
            .execute(&app.db)
            .await
            .expect("restore test");
        }
    }

    store_requests(&app.db, requests("shop", on(month, 3, 12, 0), 200, 10, 80.0)).await;
    store_requests(&app.db, requests("shop", on(month.previous(), 3, 12, 0), 100, 0, 40.0)).await;
    // The last minute of the month before and the first of the month after stay out.
    store_requests(
        &app.db,
        requests("shop", month.start() - Duration::seconds(1), 7, 7, 900.0),
    )
    .await;
    month
}

#[tokio::test]
async fn a_month_tells_incidents_deployments_backups_and_performance() {
    let app = TestApp::spawn().await;
    let month = last_month(&app).await;
    let (manager, _) = app.signed_in(Role::Manager).await;
    let report = post_ok(&manager, "/api/reports/month", &[("query[month]", &month.to_string())]).await;
    println!(
        "{}",
        serde_json::to_string_pretty(&report["incident_totals"]).unwrap_or_default()
    );
    assert_eq!(report["complete"], true);

    let incidents = report["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 2, "{incidents:?}");
    assert_eq!(incidents[0]["severity"], "critical");
    let totals = &report["incident_totals"];
    assert_eq!(
        (totals["count"].as_i64(), totals["critical"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        totals["mtta_secs"].as_i64(),
        Some(240),
        "one acknowledged, after 4 minutes"
    );
    assert_eq!(totals["mttr_secs"].as_i64(), Some((30 * 60 + 60 * 60) / 2));

    let deployments = report["deployments"].as_array().expect("deployments");
    assert_eq!(deployments.len(), 3);
    let failed: Vec<&Value> = deployments.iter().filter(|d| !d["failure"].is_null()).collect();
    assert_eq!(
        failed.len(),
        1,
        "only shop v1.4.0 was followed by a critical alert: {deployments:?}"
    );
    assert_eq!(failed[0]["version"], "v1.4.0");
    assert!(failed[0]["failure"]["CriticalAlert"]["rule"].is_string());
    let deployment_totals = &report["deployment_totals"];
    assert_eq!(deployment_totals["failed_changes"].as_i64(), Some(1));
    let rate = deployment_totals["change_failure_rate"].as_f64().expect("rate");
    assert!((rate - 1.0 / 3.0).abs() < 1e-9, "{rate}");

    let backups = report["backups"].as_array().expect("backups");
    let own = backups
        .iter()
        .find(|b| b["runs"].as_i64() == Some(4))
        .expect("the self target's month");
    assert_eq!(own["succeeded"].as_i64(), Some(3));
    assert!(own["last_restore_test"].is_string());

    let shop = report["performance"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["service"] == "shop"))
        .expect("shop's month");
    assert_eq!(shop["this_month"]["requests"].as_i64(), Some(200));
    assert_eq!(shop["this_month"]["errors"].as_i64(), Some(10));
    let p95 = shop["this_month"]["p95_ms"].as_f64().expect("p95");
    assert!((p95 - 80.0).abs() <= 80.0 * 0.011, "within the histogram's 1 %: {p95}");
    assert_eq!(
        shop["last_month"]["requests"].as_i64(),
        Some(107),
        "100 + the month's last second"
    );

    // One service only: the cart deployment and nothing of shop.
    let cart = post_ok(
        &manager,
        "/api/reports/month",
        &[("query[month]", &month.to_string()), ("query[service]", "cart")],
    )
    .await;
    assert_eq!(cart["deployments"].as_array().map(Vec::len), Some(1));
    assert_eq!(cart["incidents"].as_array().map(Vec::len), Some(0));
    assert_eq!(cart["performance"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        cart["slos"].as_array().map(Vec::len),
        Some(0),
        "shop's SLO is not cart's"
    );
}

#[tokio::test]
async fn tables_download_as_csv_and_the_page_links_where_figures_came_from() {
    let app = TestApp::spawn().await;
    let month = last_month(&app).await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let response = operator
        .get(&format!("/reports/export.csv?month={month}&table=incidents"))
        .await;
    assert_eq!(response.status(), 200);
    let disposition = crate::helpers::header(&response, "content-disposition")
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains(&format!("opsdeck-report-{month}-all-incidents.csv")),
        "{disposition}"
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("rule_id,rule,service,severity,fired_at"), "{csv}");
    assert_eq!(lines.len(), 3, "header and two incidents: {csv}");
    assert!(
        lines[1].ends_with(",240,1800"),
        "seconds to acknowledge and resolve: {csv}"
    );

    let exported: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'report.export'")
            .fetch_all(&app.db)
            .await
            .expect("export entries");
    assert_eq!(exported.len(), 1, "the export is audited");
    assert_eq!(
        (exported[0]["table"].as_str(), exported[0]["rows"].as_i64()),
        (Some("incidents"), Some(2))
    );

    let response = operator
        .get(&format!("/reports/export.csv?month={month}&table=nonsense"))
        .await;
    assert_eq!(response.status(), 422);

    let response = operator.get(&format!("/reports?month={month}")).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("page");
    assert!(page.contains(&month.title()), "the month's title");
    assert!(page.contains("/alerts/rules/"), "incidents link to their rule");
    assert!(page.contains("range=custom"), "services link to their month's chart");
    assert!(
        page.contains(&format!("/reports/export.csv?month={month}&amp;table=deployments")),
        "CSV links"
    );
}

#[tokio::test]
async fn managers_admins_and_operators_read_reports_and_bad_months_are_refused() {
    let app = TestApp::spawn().await;
    for role in Role::ALL {
        let (browser, _) = app.signed_in(role).await;
        let status = browser.post_fn("/api/reports/month", &[]).await.status().as_u16();
        let allowed = matches!(role, Role::Admin | Role::Operator | Role::Manager);
        assert_eq!(status, if allowed { 200 } else { 403 }, "{role}");
    }
    let (manager, _) = app.signed_in(Role::Manager).await;
    let next = Month::of(Utc::now()).next().to_string();
    for (month, says) in [
        (next.as_str(), "has not begun yet"),
        ("2026-13", "YYYY-MM"),
        ("last", "YYYY-MM"),
    ] {
        let response = manager.post_fn("/api/reports/month", &[("query[month]", month)]).await;
        assert_eq!(response.status(), 422, "{month}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["Validation"]["field"], "month");
        assert!(
            body["Validation"]["message"].as_str().is_some_and(|m| m.contains(says)),
            "{body}"
        );
    }
    // An empty month reads as empty, not as an error.
    let empty = post_ok(&manager, "/api/reports/month", &[("query[month]", "2020-02")]).await;
    assert_eq!(empty["incidents"].as_array().map(Vec::len), Some(0));
    assert_eq!(empty["deployment_totals"]["change_failure_rate"], Value::Null);
}

#[tokio::test]
async fn acknowledging_an_alert_marks_the_firing_it_answers() {
    let app = TestApp::spawn().await;
    let rule = rule(&app, always_firing_rule("shop")).await;
    let fired = Utc::now() - Duration::minutes(3);
    event(&app, rule, fired - Duration::hours(1), "firing", "critical", None).await;
    event(&app, rule, fired, "firing", "critical", None).await;
    sqlx::query(
        "INSERT INTO alert_states (rule_id, state, since, condition, value, evaluated_at) \
         VALUES ($1, 'firing', $2, '{}', 1, now())",
    )
    .bind(rule)
    .bind(fired)
    .execute(&app.db)
    .await
    .expect("state");
    let (operator, _) = app.signed_in(Role::Operator).await;
    post_ok(&operator, "/api/alerts/acknowledge", &[("id", &rule.to_string())]).await;
    // The evaluator may have recorded a firing of its own since: the
    // newest firing is the one acknowledged, and only it.
    let events: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT at, acknowledged_at FROM alert_events WHERE rule_id = $1 AND to_state = 'firing' ORDER BY at, id",
    )
    .bind(rule)
    .fetch_all(&app.db)
    .await
    .expect("events");
    let (newest, older) = events.split_last().expect("firings");
    assert!(newest.1.is_some_and(|at| at >= fired && at >= newest.0), "{events:?}");
    assert!(
        older.iter().all(|(_, acknowledged)| acknowledged.is_none()),
        "{events:?}"
    );
}
