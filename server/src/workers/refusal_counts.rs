//! Every instance writes the counts of ended refusal windows (each once).

use app::state::AppState;

/// Writes the counts of refusal windows that have ended
/// (`app::audit::ssr::refusals`); every instance runs it, each window's
/// count is written once. Dropping it stops the loop.
pub struct RefusalCounts(tokio::task::JoinHandle<()>);

impl Drop for RefusalCounts {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState) -> RefusalCounts {
    let every =
        (state.refusals.window / 2).clamp(std::time::Duration::from_secs(1), std::time::Duration::from_secs(15));
    RefusalCounts(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = app::audit::ssr::refusals::flush_due(&state).await {
                tracing::debug!(%error, "could not write refusal counts yet");
            }
        }
    }))
}
