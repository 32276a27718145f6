//! The Channels page's services (admins): saving a channel, rotating its
//! signing secret, deleting it and sending it a test notification, each
//! audited. A channel's URL is recorded by its host only, since a Slack
//! webhook's path is itself a secret.

use chrono::Utc;
use serde_json::json;
use sqlx::PgConnection;

use super::channels::{self, Target};
use super::deliver::{self, NotifySettings};
use super::outbox;
use crate::alerts::notify::{Attempt, ChannelDraft, Notification, NotificationKind, SavedChannel};
use crate::alerts::{AlertState, Severity};
use crate::audit::Outcome;
use crate::audit::ssr::{AuditKey, Audited, NewAuditEntry, append};
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::secrets::Keyring;

/// Channel `id`, or `NotFound`.
async fn channel(conn: &mut PgConnection, id: i64) -> Result<Target, AppError> {
    channels::target(conn, id)
        .await
        .map_err(AppError::internal_in("channels: get"))?
        .ok_or(AppError::NotFound)
}

/// What the audit log keeps of a channel.
fn audited(draft: &ChannelDraft) -> serde_json::Value {
    let host = draft
        .url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .unwrap_or_default();
    json!({
        "name": draft.name,
        "kind": draft.kind,
        "url_host": host,
        "repeat_minutes": draft.repeat_minutes,
        "enabled": draft.enabled,
    })
}

/// Creates (`id` empty) or updates a channel; a new channel's secret is
/// answered (once). A channel's name cannot change: rules refer to it.
pub async fn save(
    mut change: Audited,
    keys: &Keyring,
    id: Option<i64>,
    draft: ChannelDraft,
) -> Result<SavedChannel, AppError> {
    let (id, secret, action) = match id {
        None => {
            let secret = channels::new_secret();
            let id = channels::create(&mut change.tx, keys, &draft, &secret)
                .await
                .map_err(|e| AppError::from_db("channels: create", e, "A channel with this name exists already"))?;
            (id, Some(secret), "channel.create")
        }
        Some(id) => {
            let before = channel(&mut change.tx, id).await?;
            if before.name != draft.name {
                return Err(AppError::validation(
                    "name",
                    "A channel's name cannot change (rules refer to it)",
                ));
            }
            channels::update(&mut change.tx, keys, id, &draft)
                .await
                .map_err(AppError::internal_in("channels: update"))?;
            (id, None, "channel.update")
        }
    };
    let entry = change
        .entry(action)
        .target("notification_channel", id)
        .change(None, Some(audited(&draft)));
    change.commit(entry, "channels: audit").await?;
    Ok(SavedChannel {
        id,
        name: draft.name,
        secret,
    })
}

/// Gives channel `id` a new signing secret; answers it (shown once).
pub async fn rotate(mut change: Audited, keys: &Keyring, id: i64) -> Result<SavedChannel, AppError> {
    let channel = channel(&mut change.tx, id).await?;
    let secret = channels::new_secret();
    channels::set_secret(&mut change.tx, keys, id, &secret)
        .await
        .map_err(AppError::internal_in("channels: rotate"))?;
    let entry = change.entry("channel.rotate_secret").target("notification_channel", id);
    change.commit(entry, "channels: audit").await?;
    Ok(SavedChannel {
        id,
        name: channel.name,
        secret: Some(secret),
    })
}

/// Deletes channel `id`; `Conflict` while a rule still notifies it.
pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let channel = channel(&mut change.tx, id).await?;
    let users = channels::used_by(&mut change.tx, &channel.name)
        .await
        .map_err(AppError::internal_in("channels: used by"))?;
    if !users.is_empty() {
        return Err(AppError::Conflict(format!(
            "Rules still notify {}: {}. Remove it from them first.",
            channel.name,
            users.join(", ")
        )));
    }
    channels::delete(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("channels: delete"))?;
    let entry = change
        .entry("channel.delete")
        .target("notification_channel", id)
        .change(Some(json!({ "name": channel.name, "kind": channel.kind })), None);
    change.commit(entry, "channels: audit").await
}

/// Sends channel `id` a test notification now and answers how it went; the
/// attempt lands in the channel's delivery log like any other.
pub async fn test(
    conn: &mut PgConnection,
    key: &AuditKey,
    settings: &NotifySettings,
    caller: &Caller,
    id: i64,
) -> Result<Attempt, AppError> {
    let target = channel(&mut *conn, id).await?;
    let notification = Notification {
        kind: NotificationKind::Test,
        rule_id: None,
        rule: "Test notification".into(),
        severity: Severity::Info,
        labels: Default::default(),
        state: AlertState::Firing,
        previous_state: None,
        value: None,
        threshold: 0.0,
        summary: format!(
            "A test from Opsdeck, sent by {}: channel {} works.",
            caller.actor.email.as_deref().unwrap_or("an admin"),
            target.name
        ),
        at: Utc::now(),
        about: None,
        report: None,
    };
    // Written before it is sent (and held from the dispatchers), so the
    // attempt lands in the channel's delivery log like any other.
    let delivery = outbox::enqueue_held(&mut *conn, target.id, &notification)
        .await
        .map_err(AppError::internal_in("channels: enqueue"))?;
    let attempt = deliver::send(settings, &target, delivery, &notification).await;
    outbox::finish(&mut *conn, settings, delivery, 0, &attempt, false)
        .await
        .map_err(AppError::internal_in("channels: record"))?;
    let outcome = if attempt.succeeded() {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    let entry = NewAuditEntry::new(caller.actor.clone(), "channel.test", outcome, caller.client.clone())
        .target("notification_channel", id)
        .change(
            None,
            Some(json!({ "status": attempt.status, "latency_ms": attempt.latency_ms })),
        );
    append(conn, key, entry)
        .await
        .map_err(AppError::internal_in("channels: audit"))?;
    Ok(attempt)
}
