//! The alert evaluator: every `OPSDECK_ALERT_EVAL_SECS`, the one instance
//! holding [`EVALUATOR_LOCK`] evaluates every enabled rule
//! (`app::alerts::ssr::evaluate::run_cycle`). Every instance runs this loop;
//! the others only try to take the lock, so when the leader dies another
//! one evaluates within one interval.

use std::sync::atomic::Ordering;
use std::time::Duration;

use app::audit::ssr::AuditKey;
use app::state::RedisHandle;
use sqlx::PgPool;

/// Advisory lock key of the alert evaluator ('opsdeck alerting').
pub const EVALUATOR_LOCK: i64 = 7_202_611_244;

/// `live`: where to announce new firing counts (the header badges); none in tests.
pub async fn run(pool: PgPool, audit: AuditKey, every: Duration, live: Option<RedisHandle>) {
    // Counts that could not be published (Redis down) are sent by the next
    // cycle, changes or not, so no badge stays stale after an outage.
    let counts_owed = std::sync::atomic::AtomicBool::new(false);
    let cycle = || async {
        let started = std::time::Instant::now();
        match app::alerts::ssr::evaluate::run_cycle(&pool, &audit, app::alerts::ssr::series::evaluation_time()).await {
            Ok(cycle) => {
                tracing::debug!(
                    rules = cycle.rules,
                    transitions = cycle.transitions.len(),
                    took_ms = started.elapsed().as_millis() as u64,
                    "alert rules evaluated"
                );
                if !cycle.silences_ended.is_empty() {
                    tracing::info!(silences = ?cycle.silences_ended, "silences ended: every alert they matched resolved");
                }
                let owed = counts_owed.load(Ordering::Relaxed);
                if let Some(redis) = live.as_ref().filter(|_| owed || !cycle.transitions.is_empty()) {
                    counts_owed.store(!publish_counts(&pool, redis).await, Ordering::Relaxed);
                }
            }
            Err(error) => tracing::warn!(%error, "alert evaluation cycle failed"),
        }
    };
    crate::workers::leader::lead_every(pool.clone(), EVALUATOR_LOCK, every, "alert evaluator", cycle).await;
}

/// The running evaluator loop; dropping it stops the loop (and releases the
/// lock with its connection).
pub struct Evaluator(tokio::task::JoinHandle<()>);

impl Drop for Evaluator {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(pool: PgPool, audit: AuditKey, every: Duration, live: Option<RedisHandle>) -> Evaluator {
    Evaluator(tokio::spawn(run(pool, audit, every, live)))
}

/// Sends the new firing counts to the browsers' header badges; whether they went.
async fn publish_counts(pool: &PgPool, redis: &RedisHandle) -> bool {
    let counts = match pool.acquire().await {
        Ok(mut conn) => app::alerts::ssr::store::firing_counts(&mut conn).await,
        Err(error) => Err(error),
    };
    match counts {
        Ok(counts) => crate::http::live::publish_alert_counts(redis, &counts).await,
        Err(error) => {
            tracing::warn!(%error, "could not count firing alerts for the live badge");
            false
        }
    }
}
