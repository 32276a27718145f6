//! The notification dispatcher. Every instance runs one: it claims due
//! outbox rows (`FOR UPDATE SKIP LOCKED`, with a lease), sends them, and
//! records each attempt; a failure is retried after a doubling wait. A row
//! is only finished once its attempt is recorded, so a dispatcher stopped
//! mid-delivery leaves it to be sent again when its lease runs out.

use std::time::Duration;

use app::alerts::ssr::deliver::{NotifySettings, send};
use app::alerts::ssr::outbox::{self, Claimed};
use sqlx::PgPool;

/// Deliveries claimed at once.
const BATCH: i64 = 20;

/// How long a claimed row is kept from other dispatchers: longer than any
/// send can take.
pub const LEASE: Duration = Duration::from_secs(60);

/// How often the outbox is checked for due rows.
pub const POLL: Duration = Duration::from_millis(500);

/// The running dispatcher; dropping it stops it.
pub struct Notifier(tokio::task::JoinHandle<()>);

impl Drop for Notifier {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(pool: PgPool, settings: NotifySettings) -> Notifier {
    spawn_with(pool, settings, LEASE)
}

/// The same with another lease (tests shorten it).
pub fn spawn_with(pool: PgPool, settings: NotifySettings, lease: Duration) -> Notifier {
    Notifier(tokio::spawn(run(pool, settings, lease)))
}

async fn run(pool: PgPool, settings: NotifySettings, lease: Duration) {
    loop {
        match outbox::claim(&pool, BATCH, lease).await {
            Ok(claimed) if !claimed.is_empty() => {
                let full = claimed.len() as i64 == BATCH;
                futures::future::join_all(claimed.into_iter().map(|c| deliver(&pool, &settings, c))).await;
                if full {
                    continue;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not claim notifications"),
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn deliver(pool: &PgPool, settings: &NotifySettings, claimed: Claimed) {
    let attempt = if claimed.target.enabled {
        send(settings, &claimed.target, claimed.id, &claimed.notification).await
    } else {
        app::alerts::notify::Attempt {
            at: chrono::Utc::now(),
            status: None,
            latency_ms: 0,
            error: Some("The channel is disabled; not sent".into()),
        }
    };
    let retry = claimed.target.enabled && claimed.notification.kind != app::alerts::notify::NotificationKind::Test;
    let finished = match pool.acquire().await {
        Ok(mut conn) => outbox::finish(&mut conn, settings, claimed.id, claimed.attempts, &attempt, retry).await,
        Err(error) => Err(error),
    };
    match finished {
        Ok(state) => tracing::debug!(
            delivery = claimed.id,
            channel = %claimed.target.name,
            state = state.as_str(),
            status = ?attempt.status,
            latency_ms = attempt.latency_ms,
            "notification attempt"
        ),
        // The lease runs out and the row is tried again.
        Err(error) => tracing::warn!(%error, delivery = claimed.id, "could not record a notification attempt"),
    }
}
