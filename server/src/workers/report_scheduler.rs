//! Scheduled reports: every [`EVERY`], the one instance holding
//! [`REPORT_LOCK`] posts each summary that is due to its channel's outbox
//! (`app::reports::ssr::schedules::post_due`); the notifier delivers it
//! like an alert's notification.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;

/// Advisory lock key of the report scheduler ('opsdeck reports').
pub const REPORT_LOCK: i64 = 7_202_612_240;
/// How often the leader looks (schedules are to the minute).
pub const EVERY: Duration = Duration::from_secs(20);

pub async fn run(pool: PgPool) {
    let round = || async {
        match app::reports::ssr::schedules::post_due(&pool, Utc::now()).await {
            Ok(0) => {}
            Ok(posted) => tracing::info!(posted, "scheduled reports posted"),
            Err(error) => tracing::warn!(%error, "could not post the scheduled reports that are due"),
        }
    };
    crate::workers::leader::lead_every(pool.clone(), REPORT_LOCK, EVERY, "scheduled reports", round).await;
}

/// The running scheduler; dropping it stops the loop.
pub struct ReportScheduler(tokio::task::JoinHandle<()>);

impl Drop for ReportScheduler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(pool: PgPool) -> ReportScheduler {
    ReportScheduler(tokio::spawn(run(pool)))
}
