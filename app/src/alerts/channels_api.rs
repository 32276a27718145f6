//! Notification channels' server functions (admins: `ManageChannels`).
//! Every change is audited; a channel's URL is recorded by its host only,
//! since a Slack webhook's path is itself a secret.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::notify::{Attempt, Channel, ChannelForm};
use crate::error::AppError;

/// A saved channel, and its signing secret when one was just made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedChannel {
    pub id: i64,
    pub name: String,
    /// Shown once: after creating the channel or rotating its secret.
    pub secret: Option<String>,
}

#[server(endpoint = "alerts/channels")]
pub async fn list_channels() -> Result<Vec<Channel>, AppError> {
    crate::error::respond(ssr::list().await)
}

/// Creates (`id` empty) or updates a channel; a new channel's secret is answered once.
#[server(endpoint = "alerts/channel-save")]
pub async fn save_channel(#[server(default)] id: Option<i64>, channel: ChannelForm) -> Result<SavedChannel, AppError> {
    crate::error::respond(ssr::save(id, channel).await)
}

/// Replaces a channel's signing secret; answers the new one (shown once).
#[server(endpoint = "alerts/channel-rotate")]
pub async fn rotate_channel_secret(id: i64) -> Result<SavedChannel, AppError> {
    crate::error::respond(ssr::rotate(id).await)
}

#[server(endpoint = "alerts/channel-delete")]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    crate::error::respond(ssr::delete(id).await)
}

/// Sends a test notification now and answers how it went (it is in the
/// channel's delivery log too).
#[server(endpoint = "alerts/channel-test")]
pub async fn test_channel(id: i64) -> Result<Attempt, AppError> {
    crate::error::respond(ssr::test(id).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::alerts::notify::{ChannelDraft, Notification, NotificationKind};
    use crate::alerts::ssr::{channels, deliver, outbox};
    use crate::alerts::{AlertState, Severity};
    use crate::audit::Outcome;
    use crate::audit::ssr::{NewAuditEntry, append, append_and_commit};
    use crate::auth::permissions::Permission;
    use crate::auth::ssr::acting;
    use crate::state::app_state;

    /// Channel `id`, or `NotFound`.
    async fn channel(conn: &mut sqlx::PgConnection, id: i64) -> Result<channels::Target, AppError> {
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

    pub async fn list() -> Result<Vec<Channel>, AppError> {
        crate::auth::ssr::acting(Permission::ManageChannels).await?;
        let state = app_state()?;
        let mut conn = state.connection("channels: acquire").await?;
        channels::list(&mut conn)
            .await
            .map_err(AppError::internal_in("channels: list"))
    }

    pub async fn save(id: Option<i64>, form: ChannelForm) -> Result<SavedChannel, AppError> {
        let acting = acting(Permission::ManageChannels).await?;
        let draft = form.parse()?;
        let state = app_state()?;
        let mut tx = state.begin("channels: begin").await?;
        let (id, secret, action) = match id {
            None => {
                let secret = channels::new_secret();
                let id = channels::create(&mut tx, &draft, &secret)
                    .await
                    .map_err(|e| AppError::from_db("channels: create", e, "A channel with this name exists already"))?;
                (id, Some(secret), "channel.create")
            }
            Some(id) => {
                let before = channel(&mut tx, id).await?;
                if before.name != draft.name {
                    return Err(AppError::validation(
                        "name",
                        "A channel's name cannot change (rules refer to it)",
                    ));
                }
                channels::update(&mut tx, id, &draft)
                    .await
                    .map_err(AppError::internal_in("channels: update"))?;
                (id, None, "channel.update")
            }
        };
        let entry = NewAuditEntry::new(acting.actor, action, Outcome::Success, acting.client)
            .target("notification_channel", id)
            .change(None, Some(audited(&draft)));
        append_and_commit(tx, &state.audit_key, entry, "channels: audit").await?;
        Ok(SavedChannel {
            id,
            name: draft.name,
            secret,
        })
    }

    pub async fn rotate(id: i64) -> Result<SavedChannel, AppError> {
        let acting = acting(Permission::ManageChannels).await?;
        let state = app_state()?;
        let mut tx = state.begin("channels: begin").await?;
        let channel = channel(&mut tx, id).await?;
        let secret = channels::new_secret();
        channels::set_secret(&mut tx, id, &secret)
            .await
            .map_err(AppError::internal_in("channels: rotate"))?;
        let entry = NewAuditEntry::new(acting.actor, "channel.rotate_secret", Outcome::Success, acting.client)
            .target("notification_channel", id);
        append_and_commit(tx, &state.audit_key, entry, "channels: audit").await?;
        Ok(SavedChannel {
            id,
            name: channel.name,
            secret: Some(secret),
        })
    }

    pub async fn delete(id: i64) -> Result<(), AppError> {
        let acting = acting(Permission::ManageChannels).await?;
        let state = app_state()?;
        let mut tx = state.begin("channels: begin").await?;
        let channel = channel(&mut tx, id).await?;
        let users = channels::used_by(&mut tx, &channel.name)
            .await
            .map_err(AppError::internal_in("channels: used by"))?;
        if !users.is_empty() {
            return Err(AppError::Conflict(format!(
                "Rules still notify {}: {}. Remove it from them first.",
                channel.name,
                users.join(", ")
            )));
        }
        channels::delete(&mut tx, id)
            .await
            .map_err(AppError::internal_in("channels: delete"))?;
        let entry = NewAuditEntry::new(acting.actor, "channel.delete", Outcome::Success, acting.client)
            .target("notification_channel", id)
            .change(Some(json!({ "name": channel.name, "kind": channel.kind })), None);
        append_and_commit(tx, &state.audit_key, entry, "channels: audit").await?;
        Ok(())
    }

    pub async fn test(id: i64) -> Result<Attempt, AppError> {
        let acting = acting(Permission::ManageChannels).await?;
        let state = app_state()?;
        let mut conn = state.connection("channels: acquire").await?;
        let target = channel(&mut conn, id).await?;
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
                acting.actor.email.as_deref().unwrap_or("an admin"),
                target.name
            ),
            at: Utc::now(),
        };
        // Written before it is sent (and held from the dispatchers), so the
        // attempt lands in the channel's delivery log like any other.
        let delivery = outbox::enqueue_held(&mut conn, target.id, &notification)
            .await
            .map_err(AppError::internal_in("channels: enqueue"))?;
        let attempt = deliver::send(&state.notify, &target, delivery, &notification).await;
        outbox::finish(&mut conn, &state.notify, delivery, 0, &attempt, false)
            .await
            .map_err(AppError::internal_in("channels: record"))?;
        let outcome = if attempt.succeeded() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let entry = NewAuditEntry::new(acting.actor, "channel.test", outcome, acting.client)
            .target("notification_channel", id)
            .change(
                None,
                Some(json!({ "status": attempt.status, "latency_ms": attempt.latency_ms })),
            );
        append(&mut conn, &state.audit_key, entry)
            .await
            .map_err(AppError::internal_in("channels: audit"))?;
        Ok(attempt)
    }
}
