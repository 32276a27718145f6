//! Ignored error issues whose time ran out: every [`EVERY`], the one
//! instance holding [`IGNORE_EXPIRY_LOCK`] unresolves them, each with an
//! audit entry by Opsdeck (`app::errors::ssr::reopen::expire_ignores`).
//! An event arriving first does the same in its own transaction; this
//! catches the issues that stay quiet.

use std::time::Duration;

use app::state::AppState;
use chrono::Utc;

/// Advisory lock key of the sweep ('opsdeck ignore expiry').
pub const IGNORE_EXPIRY_LOCK: i64 = 7_202_612_110;
/// How often the leader looks.
pub const EVERY: Duration = Duration::from_secs(60);
/// Issues unresolved per transaction (the rest wait for the next round).
const BATCH: i64 = 500;

pub async fn run(state: AppState) {
    let round = || async {
        match app::errors::ssr::reopen::expire_ignores(&state.db, &state.audit_key, Utc::now(), BATCH).await {
            Ok(0) => {}
            Ok(unresolved) => tracing::info!(unresolved, "ignored error issues whose time ran out are unresolved"),
            Err(error) => tracing::warn!(%error, "could not unresolve expired ignored issues"),
        }
    };
    crate::workers::leader::lead_every(state.db.clone(), IGNORE_EXPIRY_LOCK, EVERY, "ignore expiry", round).await;
}

/// The running sweep; dropping it stops the loop.
pub struct IgnoreExpiry(tokio::task::JoinHandle<()>);

impl Drop for IgnoreExpiry {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState) -> IgnoreExpiry {
    IgnoreExpiry(tokio::spawn(run(state)))
}
