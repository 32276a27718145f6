//! Report schedules: listed with when each posts next, saved and deleted
//! with an audit entry, and posted — the summary of the whole week or month
//! before, through the notification outbox like an alert — when due (by the
//! scheduler's leader, `server/src/workers/report_scheduler.rs`) or when an
//! admin asks ("Send now").

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::digest::summarise;
use crate::alerts::notify::{Notification, NotificationKind};
use crate::alerts::ssr::outbox;
use crate::alerts::{AlertState, Severity};
use crate::audit::ssr::Audited;
use crate::cron::{Schedule, next_occurrence};
use crate::error::AppError;
use crate::reports::ReportQuery;
use crate::reports::month::Month;
use crate::reports::schedule::{Period, ReportSchedule, ScheduleDraft};

/// (id, channel id, channel, period, schedule, service, enabled, checked at, last sent).
type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    bool,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

const SELECT: &str = "SELECT s.id, s.channel_id, c.name, s.period, s.schedule, s.service, s.enabled, \
         s.checked_at, s.last_sent_at \
     FROM report_schedules s JOIN notification_channels c ON c.id = s.channel_id";

/// A stored row, with when it posts next (the period was checked when saved).
fn schedule(row: Row) -> Option<(ReportSchedule, DateTime<Utc>)> {
    let (id, channel_id, channel, period, schedule, service, enabled, checked_at, last_sent_at) = row;
    let next_at = next_occurrence(Some(schedule.as_str()), checked_at).filter(|_| enabled);
    let listed = ReportSchedule {
        id,
        channel_id,
        channel,
        period: Period::parse(&period)?,
        schedule,
        service,
        enabled,
        next_at,
        last_sent_at,
    };
    Some((listed, checked_at))
}

/// Every schedule, by channel.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<ReportSchedule>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY c.name, s.id"))
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(schedule).map(|(s, _)| s).collect())
}

async fn one(conn: &mut PgConnection, id: i64) -> Result<ReportSchedule, AppError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(AppError::internal_in("report schedules: get"))?;
    row.and_then(schedule).map(|(s, _)| s).ok_or(AppError::NotFound)
}

/// What the audit log keeps of a schedule.
fn audited(draft: &ScheduleDraft, channel: &str) -> serde_json::Value {
    json!({
        "channel": channel,
        "period": draft.period.as_str(),
        "schedule": draft.schedule,
        "service": draft.service,
        "enabled": draft.enabled,
    })
}

/// Creates (`id` empty) or changes a schedule; answers its id. A changed
/// schedule counts from now (it does not catch up what it would have sent).
pub async fn save(mut change: Audited, id: Option<i64>, draft: &ScheduleDraft) -> Result<i64, AppError> {
    let example = format!("“{}”", draft.period.usual_schedule());
    Schedule::required("schedule", &draft.schedule, &example)?;
    let channel: Option<String> = sqlx::query_scalar("SELECT name FROM notification_channels WHERE id = $1")
        .bind(draft.channel_id)
        .fetch_optional(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("report schedules: channel"))?;
    let channel = channel.ok_or_else(|| AppError::validation("channel_id", "That channel no longer exists"))?;
    let (sql, action) = match id {
        None => (
            "INSERT INTO report_schedules (channel_id, period, schedule, service, enabled) \
             VALUES ($2, $3, $4, $5, $6) RETURNING id",
            "report_schedule.create",
        ),
        Some(_) => (
            "UPDATE report_schedules SET channel_id = $2, period = $3, schedule = $4, service = $5, \
                 enabled = $6, checked_at = now(), updated_at = now() WHERE id = $1 RETURNING id",
            "report_schedule.update",
        ),
    };
    let saved: Option<i64> = sqlx::query_scalar(sql)
        .bind(id.unwrap_or_default())
        .bind(draft.channel_id)
        .bind(draft.period.as_str())
        .bind(&draft.schedule)
        .bind(&draft.service)
        .bind(draft.enabled)
        .fetch_optional(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("report schedules: save"))?;
    let saved = saved.ok_or(AppError::NotFound)?;
    let entry = change
        .entry(action)
        .target("report_schedule", saved)
        .change(None, Some(audited(draft, &channel)));
    change.commit(entry, "report schedules: audit").await?;
    Ok(saved)
}

pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let before = one(&mut change.tx, id).await?;
    sqlx::query("DELETE FROM report_schedules WHERE id = $1")
        .bind(id)
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("report schedules: delete"))?;
    let entry = change
        .entry("report_schedule.delete")
        .target("report_schedule", id)
        .change(
            Some(json!({ "channel": before.channel, "period": before.period.as_str() })),
            None,
        );
    change.commit(entry, "report schedules: audit").await
}

/// Posts schedule `id`'s summary now, audited; answers the delivery's id.
pub async fn send_now(mut change: Audited, id: i64, now: DateTime<Utc>) -> Result<i64, AppError> {
    let schedule = one(&mut change.tx, id).await?;
    let delivery = post(&mut change.tx, &schedule, now)
        .await
        .map_err(AppError::internal_in("report schedules: post"))?;
    let entry = change
        .entry("report_schedule.send")
        .target("report_schedule", id)
        .change(None, Some(json!({ "channel": schedule.channel, "delivery": delivery })));
    change.commit(entry, "report schedules: audit").await?;
    Ok(delivery)
}

/// Posts every enabled schedule (of an enabled channel) due by `now`, each
/// in its own transaction with the mark that it was done; answers how many.
pub async fn post_due(pool: &sqlx::PgPool, now: DateTime<Utc>) -> sqlx::Result<usize> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE s.enabled AND c.enabled ORDER BY s.id"))
        .fetch_all(pool)
        .await?;
    let mut posted = 0;
    for (schedule, checked_at) in rows.into_iter().filter_map(schedule) {
        if next_occurrence(Some(schedule.schedule.as_str()), checked_at).is_none_or(|due| due > now) {
            continue;
        }
        let mut tx = pool.begin().await?;
        // Taken by this transaction only if nobody marked it meanwhile.
        let claimed = sqlx::query("UPDATE report_schedules SET checked_at = $3 WHERE id = $1 AND checked_at = $2")
            .bind(schedule.id)
            .bind(checked_at)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 1 {
            post(&mut tx, &schedule, now).await?;
            posted += 1;
        }
        tx.commit().await?;
    }
    Ok(posted)
}

/// Writes `schedule`'s summary of the period before `now` to its channel's outbox.
async fn post(conn: &mut PgConnection, schedule: &ReportSchedule, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let digest = summarise(&mut *conn, schedule.period, schedule.service.as_deref(), now).await?;
    let query = ReportQuery {
        month: None,
        service: schedule.service.clone(),
    };
    let notification = Notification {
        kind: NotificationKind::Report,
        rule_id: None,
        rule: digest.title.clone(),
        severity: Severity::Info,
        labels: [("period".to_string(), schedule.period.as_str().to_string())].into(),
        state: AlertState::Normal,
        previous_state: None,
        value: None,
        threshold: 0.0,
        summary: digest.text(),
        at: now,
        about: Some(query.href(Month::of(digest.to - Duration::seconds(1)))),
        report: Some(digest),
    };
    let ids = outbox::enqueue(&mut *conn, &[schedule.channel_id], None, &notification).await?;
    sqlx::query("UPDATE report_schedules SET last_sent_at = $2 WHERE id = $1")
        .bind(schedule.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(ids.first().copied().unwrap_or_default())
}
