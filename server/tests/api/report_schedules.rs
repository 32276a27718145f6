//! Scheduled reports: admins schedule a week's or month's summary to a
//! channel (others may not; bad input names its field); "Send now" delivers
//! the month's figures to a webhook, signed; the leader's pass posts each
//! due schedule once, catches up missed occurrences with one summary and
//! skips disabled schedules and channels.

use app::auth::permissions::Role;
use app::reports::ssr::schedules::post_due;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::PgPool;

use crate::backups::post_ok;
use crate::helpers::{TestApp, fresh_pool};
use crate::receiver::{Receiver, add_channel, signature_is_valid};
use crate::reports::last_month;

fn schedule_fields<'a>(channel: &'a str, period: &'a str, cron: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("schedule[channel_id]", channel),
        ("schedule[period]", period),
        ("schedule[schedule]", cron),
        ("schedule[service]", ""),
        ("schedule[enabled]", "on"),
    ]
}

async fn refused_field(response: reqwest::Response) -> String {
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().await.expect("json");
    body["Validation"]["field"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn admins_schedule_a_summary_and_send_now_delivers_the_months_figures() {
    let app = TestApp::spawn().await;
    let month = last_month(&app).await;
    let (receiver, url) = Receiver::default().start().await;
    let channel = add_channel(&app.db, "reports-hook", &url, 0).await.to_string();
    let (admin, _) = app.signed_in(Role::Admin).await;

    for role in [Role::Manager, Role::Operator] {
        let (other, _) = app.signed_in(role).await;
        let response = other
            .post_fn(
                "/api/reports/schedule-save",
                &schedule_fields(&channel, "month", "0 8 1 * *"),
            )
            .await;
        assert_eq!(response.status().as_u16(), 403, "{role:?}");
    }
    let save = |fields: Vec<(&'static str, &str)>| {
        let admin = &admin;
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            admin.post_fn("/api/reports/schedule-save", &pairs).await
        }
    };
    assert_eq!(
        refused_field(save(schedule_fields(&channel, "month", "at eight")).await).await,
        "schedule"
    );
    assert_eq!(
        refused_field(save(schedule_fields("999999", "month", "0 8 1 * *")).await).await,
        "channel_id"
    );
    assert_eq!(
        refused_field(save(schedule_fields(&channel, "year", "0 8 1 * *")).await).await,
        "period"
    );
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM report_schedules")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(none, 0, "nothing stored from refused input");

    let id = save(schedule_fields(&channel, "month", "0 8 1 * *"))
        .await
        .json::<Value>()
        .await
        .expect("id")
        .as_i64()
        .expect("the new schedule's id");
    assert_eq!(app.audit_entries("report_schedule.create").await.len(), 1);
    let listed = post_ok(&admin, "/api/reports/schedules", &[]).await;
    assert_eq!(listed[0]["channel"], "reports-hook", "{listed}");
    let next: DateTime<Utc> = serde_json::from_value(listed[0]["next_at"].clone()).expect("next_at");
    assert_eq!(next.format("%d %H:%M").to_string(), "01 08:00", "{listed}");

    post_ok(&admin, "/api/reports/schedule-send", &[("id", &id.to_string())]).await;
    let got = receiver.wait_for(1).await;
    assert!(signature_is_valid(&got[0], crate::receiver::SECRET));
    let body: Value = serde_json::from_slice(&got[0].body).expect("json");
    println!("{}", body["summary"].as_str().unwrap_or_default());
    assert_eq!(body["kind"], "report");
    assert_eq!(body["title"], format!("Monthly report · {}", month.title()));
    assert!(
        body["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/reports?month={month}"))),
        "{body}"
    );
    let report = &body["report"];
    assert_eq!(report["incidents"]["count"], 2, "{report}");
    assert_eq!(report["incidents"]["mtta_secs"], 240);
    assert_eq!(report["deployments"]["count"], 3);
    assert_eq!(report["deployments"]["failed_changes"], 1);
    assert_eq!(
        (report["backup_runs"].as_i64(), report["backups_succeeded"].as_i64()),
        (Some(4), Some(3))
    );
    let shop = report["services"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row[0] == "shop"))
        .expect("shop's figures");
    assert_eq!(
        (shop[1]["requests"].as_i64(), shop[1]["errors"].as_i64()),
        (Some(200), Some(10))
    );
    let summary = body["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("Incidents: 2 (1 critical), MTTA 4 min 0 s"),
        "{summary}"
    );
    assert!(summary.contains("Backups: 3 of 4 succeeded"), "{summary}");
    assert_eq!(app.audit_entries("report_schedule.send").await.len(), 1);

    post_ok(&admin, "/api/reports/schedule-delete", &[("id", &id.to_string())]).await;
    assert_eq!(app.audit_entries("report_schedule.delete").await.len(), 1);
    let listed = post_ok(&admin, "/api/reports/schedules", &[]).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
}

async fn channel(pool: &PgPool, name: &str, enabled: bool) -> i64 {
    let id = add_channel(pool, name, "http://127.0.0.1:9/hook", 0).await;
    sqlx::query("UPDATE notification_channels SET enabled = $2 WHERE id = $1")
        .bind(id)
        .bind(enabled)
        .execute(pool)
        .await
        .expect("channel");
    id
}

async fn schedule(pool: &PgPool, channel: i64, cron: &str, enabled: bool, checked_at: DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO report_schedules (channel_id, period, schedule, enabled, checked_at) \
         VALUES ($1, 'week', $2, $3, $4) RETURNING id",
    )
    .bind(channel)
    .bind(cron)
    .bind(enabled)
    .bind(checked_at)
    .fetch_one(pool)
    .await
    .expect("schedule")
}

async fn reports_written(pool: &PgPool) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT channel_id, notification->>'rule' FROM notification_outbox WHERE kind = 'report' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .expect("outbox")
}

#[tokio::test]
async fn each_due_schedule_is_posted_once_missed_ones_caught_up_with_one() {
    let (_database, pool) = fresh_pool().await;
    let monday = DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let (on, off) = (channel(&pool, "on", true).await, channel(&pool, "off", false).await);
    // Looked at last on Sunday: Monday 08:00 is due.
    schedule(&pool, on, "0 8 * * 1", true, monday - Duration::days(1)).await;
    // Three Mondays missed while no instance ran: one summary.
    schedule(&pool, on, "0 8 * * 1", true, monday - Duration::days(22)).await;
    // Not yet due, disabled, or to a disabled channel: nothing.
    schedule(&pool, on, "0 9 * * 1", true, monday - Duration::days(1)).await;
    schedule(&pool, on, "0 8 * * 1", false, monday - Duration::days(1)).await;
    schedule(&pool, off, "0 8 * * 1", true, monday - Duration::days(1)).await;

    assert_eq!(post_due(&pool, monday).await.expect("posted"), 2);
    let written = reports_written(&pool).await;
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(
        written
            .iter()
            .all(|(channel, title)| *channel == on && title == "Weekly summary · Nov 30 – Dec 6 2026")
    );
    assert_eq!(post_due(&pool, monday).await.expect("again"), 0, "posted once");
    assert_eq!(post_due(&pool, monday + Duration::minutes(59)).await.expect("later"), 0);
    assert_eq!(post_due(&pool, monday + Duration::hours(1)).await.expect("09:00"), 1);
    let next_week = monday + Duration::days(7) + Duration::hours(1);
    assert_eq!(post_due(&pool, next_week).await.expect("a week on"), 3);
}
