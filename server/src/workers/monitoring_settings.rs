//! Every instance follows the monitoring settings (Settings › Monitoring):
//! it listens on the Redis channel a save is announced on
//! (`<prefix>monitoring:settings`) and re-reads the stored row on each
//! announcement, and every [`REREAD`] besides, so a lost announcement (or
//! Redis down) delays a change by at most that long.

use std::time::Duration;

use futures::StreamExt;

use app::monitoring::ssr::{CHANNEL, refresh};
use app::state::AppState;

/// The fallback: the stored row is read this often whatever Redis says.
pub const REREAD: Duration = Duration::from_secs(30);
/// After Redis refused a subscription, try again this much later.
const RESUBSCRIBE: Duration = Duration::from_secs(5);

async fn run(state: AppState) {
    loop {
        match state.redis.subscriber().await {
            Ok(mut pubsub) => match pubsub.subscribe(state.redis.key(CHANNEL)).await {
                Ok(()) => {
                    // A save made while this instance was not listening.
                    reread(&state).await;
                    follow(&state, pubsub).await;
                }
                Err(error) => tracing::warn!(%error, "could not subscribe to the monitoring settings' channel"),
            },
            Err(error) => {
                tracing::debug!(%error, "no Redis for the monitoring settings' channel; re-reading them periodically")
            }
        }
        reread(&state).await;
        tokio::time::sleep(RESUBSCRIBE).await;
    }
}

/// Re-reads on every announcement and every `REREAD`, until the subscription ends.
async fn follow(state: &AppState, mut pubsub: redis::aio::PubSub) {
    let mut messages = std::pin::pin!(pubsub.on_message());
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(_) => reread(state).await,
                None => {
                    tracing::warn!("the monitoring settings' channel closed; subscribing again");
                    return;
                }
            },
            () = tokio::time::sleep(REREAD) => reread(state).await,
        }
    }
}

async fn reread(state: &AppState) {
    // An error was logged by `refresh`; the next announcement or period retries.
    let _ = refresh(state).await;
}

/// The running worker; dropping it stops the worker.
pub struct MonitoringSettingsWorker(tokio::task::JoinHandle<()>);

impl Drop for MonitoringSettingsWorker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState) -> MonitoringSettingsWorker {
    MonitoringSettingsWorker(tokio::spawn(run(state)))
}
