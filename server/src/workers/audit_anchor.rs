//! Every instance records the audit chain's head outside the table every
//! `OPSDECK_AUDIT_ANCHOR_SECS` (see `app::audit::ssr::anchor`): in Redis,
//! and as an `audit chain anchored` line in this process's log. A log found
//! shorter than its anchor is logged as an error at every round until the
//! entries are restored or an administrator looks.

use std::time::Duration;

use chrono::Utc;

use app::audit::ssr::anchor::{self, Recorded};
use app::state::AppState;

/// The running task; dropping it stops it.
pub struct AnchorTask(tokio::task::JoinHandle<()>);

impl Drop for AnchorTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts recording every `every`; zero turns it off.
pub fn spawn(state: AppState, every: Duration) -> Option<AnchorTask> {
    (!every.is_zero()).then(|| AnchorTask(tokio::spawn(run(state, every))))
}

async fn run(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = record_head(&state).await {
            tracing::warn!(%error, "the audit chain's head was not anchored this round");
        }
    }
}

/// Records the head once; what happened is logged.
pub async fn record_head(state: &AppState) -> anyhow::Result<()> {
    let (log, head) = {
        let mut conn = state.db.acquire().await?;
        (
            anchor::log_id(&mut conn).await?,
            anchor::head(&mut conn, Utc::now()).await?,
        )
    };
    let Some(head) = head else { return Ok(()) };
    match anchor::record(&state.redis, log, head).await? {
        Recorded::Moved => tracing::info!(head = %head.head(), entries = head.id, "audit chain anchored"),
        Recorded::Unchanged => {}
        Recorded::AheadOfLog { anchored } => tracing::error!(
            anchored,
            head = head.id,
            "the audit log ends at entry {} but its anchor recorded entry {anchored}: entries were cut off the end",
            head.id
        ),
    }
    Ok(())
}
