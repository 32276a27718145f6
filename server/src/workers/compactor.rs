//! The rollup compactor: every [`EVERY`], the one instance holding
//! [`COMPACTOR_LOCK`] folds the per-endpoint rollup deltas of the last
//! [`WINDOW`] into one row per key (`app::metrics::ssr::compact`), so the
//! pages read about one row per endpoint and minute however many batches
//! wrote it.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;

/// Advisory lock key of the compactor ('opsdeck compactor').
pub const COMPACTOR_LOCK: i64 = 7_202_611_246;
/// How often the leader folds.
pub const EVERY: Duration = Duration::from_secs(10);
/// How far back each round looks: late batches for older minutes stay as
/// deltas (still summed correctly by every reader).
pub const WINDOW: TimeDelta = TimeDelta::hours(3);

pub async fn run(pool: PgPool) {
    let round = || async {
        let now = Utc::now();
        let started = std::time::Instant::now();
        let folded = async {
            let mut conn = pool.acquire().await?;
            app::metrics::ssr::compact::compact_deltas(&mut conn, now - WINDOW, now + TimeDelta::minutes(1)).await
        };
        match folded.await {
            Ok(folded) => tracing::debug!(
                folded,
                took_ms = started.elapsed().as_millis() as u64,
                "rollup deltas compacted"
            ),
            Err(error) => tracing::warn!(%error, "rollup compaction failed"),
        }
    };
    crate::workers::leader::lead_every(pool.clone(), COMPACTOR_LOCK, EVERY, "rollup compactor", round).await;
}

/// The running compactor loop; dropping it stops the loop.
pub struct Compactor(tokio::task::JoinHandle<()>);

impl Drop for Compactor {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(pool: PgPool) -> Compactor {
    Compactor(tokio::spawn(run(pool)))
}
