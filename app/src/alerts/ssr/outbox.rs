//! The notification outbox: rows written in the same transaction as the
//! alert event they announce, claimed by dispatchers with a lease (so one
//! that dies mid-delivery leaves the row to be tried again), and every
//! attempt recorded.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use super::channels::Target;
use super::deliver::NotifySettings;
use super::store::json_column;
use crate::alerts::errors_link::errors_href;
use crate::alerts::notify::{Attempt, Delivery, DeliveryState, Notification, NotificationKind};
use crate::alerts::rule::Rule;
use crate::alerts::state::Transition;

/// What `rule`'s notification says about `transition`.
pub fn notification(rule: &Rule, kind: NotificationKind, transition: &Transition) -> Notification {
    Notification {
        kind,
        rule_id: Some(rule.id),
        rule: rule.draft.name.clone(),
        severity: rule.draft.severity,
        labels: rule.draft.labels.clone(),
        state: transition.to,
        previous_state: Some(transition.from),
        value: transition.value,
        threshold: rule.draft.threshold,
        summary: rule.draft.render_summary(transition.value),
        at: transition.at,
        about: errors_href(rule.draft.aggregation, &rule.draft.service, rule.draft.error_issue),
        report: None,
    }
}

/// The enabled channels among `targets` that `rule` notifies.
pub fn channels_of<'t>(rule: &Rule, targets: &'t [Target]) -> Vec<&'t Target> {
    targets
        .iter()
        .filter(|t| t.enabled && rule.draft.channels.contains(&t.name))
        .collect()
}

fn encode(notification: &Notification) -> sqlx::Result<String> {
    serde_json::to_string(notification).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Writes one outbox row per channel; answers their ids.
pub async fn enqueue(
    conn: &mut PgConnection,
    channel_ids: &[i64],
    event_id: Option<i64>,
    notification: &Notification,
) -> sqlx::Result<Vec<i64>> {
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "INSERT INTO notification_outbox (channel_id, rule_id, event_id, kind, notification) \
         SELECT c, $2, $3, $4, $5::jsonb FROM unnest($1::bigint[]) AS c RETURNING id",
    )
    .bind(channel_ids)
    .bind(notification.rule_id)
    .bind(event_id)
    .bind(notification.kind.as_str())
    .bind(encode(notification)?)
    .fetch_all(conn)
    .await
}

/// Writes one row for `channel_id` that dispatchers leave alone for a
/// minute (its writer sends it now); answers its id.
pub async fn enqueue_held(conn: &mut PgConnection, channel_id: i64, notification: &Notification) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO notification_outbox (channel_id, rule_id, kind, notification, next_attempt_at) \
         VALUES ($1, $2, $3, $4::jsonb, now() + interval '1 minute') RETURNING id",
    )
    .bind(channel_id)
    .bind(notification.rule_id)
    .bind(notification.kind.as_str())
    .bind(encode(notification)?)
    .fetch_one(conn)
    .await
}

/// `(rule, channel, current value)` of firing rules whose channel has not
/// been told about them for the channel's repeat interval.
pub async fn repeats_due(conn: &mut PgConnection, at: DateTime<Utc>) -> sqlx::Result<Vec<(i64, i64, Option<f64>)>> {
    sqlx::query_as(
        "SELECT r.id, c.id, s.value FROM alert_states s \
         JOIN alert_rules r ON r.id = s.rule_id \
         JOIN notification_channels c ON r.channels ? c.name \
         WHERE s.state = 'firing' AND r.enabled AND c.enabled AND c.repeat_minutes > 0 \
           AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.rule_id = r.id AND o.channel_id = c.id \
                           AND o.kind <> 'test' AND o.created_at > $1 - make_interval(mins => c.repeat_minutes))",
    )
    .bind(at)
    .fetch_all(conn)
    .await
}

/// A delivery a dispatcher has claimed.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub attempts: i32,
    pub target: Target,
    pub notification: Notification,
}

fn claimed_from(row: &PgRow) -> sqlx::Result<Claimed> {
    Ok(Claimed {
        id: row.try_get("delivery_id")?,
        attempts: row.try_get("attempts")?,
        target: super::channels::target_from(row)?,
        notification: json_column(row, "notification")?,
    })
}

/// Claims up to `limit` due deliveries for `lease` (no other dispatcher
/// takes them meanwhile; after it they are due again).
pub async fn claim(pool: &PgPool, limit: i64, lease: Duration) -> sqlx::Result<Vec<Claimed>> {
    let rows = sqlx::query(
        "WITH due AS (SELECT id FROM notification_outbox \
                      WHERE state = 'pending' AND next_attempt_at <= now() \
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) \
         UPDATE notification_outbox o SET next_attempt_at = now() + make_interval(secs => $2) \
         FROM due, notification_channels c WHERE o.id = due.id AND c.id = o.channel_id \
         RETURNING o.id AS delivery_id, o.attempts, o.notification::text AS notification, \
                   c.id, c.name, c.kind, c.url, c.secret, c.enabled",
    )
    .bind(limit)
    .bind(lease.as_secs_f64())
    .fetch_all(pool)
    .await?;
    rows.iter().map(claimed_from).collect()
}

/// Records `attempt` at delivery `id` (after `attempts` earlier ones) and
/// decides what is next: delivered, another try after the backoff, or
/// given up. `retry: false` gives up at the first failure (test sends).
pub async fn finish(
    conn: &mut PgConnection,
    settings: &NotifySettings,
    id: i64,
    attempts: i32,
    attempt: &Attempt,
    retry: bool,
) -> sqlx::Result<DeliveryState> {
    let tried = attempts + 1;
    let state = if attempt.succeeded() {
        DeliveryState::Delivered
    } else if !retry || tried >= settings.max_attempts {
        DeliveryState::Failed
    } else {
        DeliveryState::Pending
    };
    let wait = settings.backoff(tried);
    sqlx::query(
        "WITH a AS (INSERT INTO notification_attempts (outbox_id, at, status, latency_ms, error) \
                    VALUES ($1, $2, $3, $4, $5)) \
         UPDATE notification_outbox SET attempts = $6, state = $7, \
             next_attempt_at = CASE WHEN $7 = 'pending' THEN now() + make_interval(secs => $8) ELSE next_attempt_at END, \
             finished_at = CASE WHEN $7 = 'pending' THEN NULL ELSE now() END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(attempt.at)
    .bind(attempt.status)
    .bind(attempt.latency_ms)
    .bind(&attempt.error)
    .bind(tried)
    .bind(state.as_str())
    .bind(wait.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(state)
}

/// The newest deliveries of rule `rule_id` or channel `channel_id`, each with its attempts.
pub async fn deliveries(
    conn: &mut PgConnection,
    rule_id: Option<i64>,
    channel_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Delivery>> {
    let rows = sqlx::query(
        "SELECT o.id, c.name, o.notification::text AS notification, o.state, o.created_at, o.next_attempt_at, \
             COALESCE((SELECT json_agg(json_build_object('at', a.at, 'status', a.status, \
                         'latency_ms', a.latency_ms, 'error', a.error) ORDER BY a.at) \
                       FROM notification_attempts a WHERE a.outbox_id = o.id), '[]')::text AS attempts \
         FROM notification_outbox o JOIN notification_channels c ON c.id = o.channel_id \
         WHERE ($1::bigint IS NULL OR o.rule_id = $1) AND ($2::bigint IS NULL OR o.channel_id = $2) \
         ORDER BY o.created_at DESC, o.id DESC LIMIT $3",
    )
    .bind(rule_id)
    .bind(channel_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            let state = DeliveryState::parse(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "state".into(),
                source: format!("unexpected delivery state {state:?}").into(),
            })?;
            Ok(Delivery {
                id: row.try_get("id")?,
                channel: row.try_get("name")?,
                notification: json_column(row, "notification")?,
                next_attempt_at: (state == DeliveryState::Pending)
                    .then(|| row.try_get("next_attempt_at"))
                    .transpose()?,
                state,
                created_at: row.try_get("created_at")?,
                attempts: json_column(row, "attempts")?,
            })
        })
        .collect()
}
