//! Server side of backups: the store (`store`), the tools and direct
//! database work (`tools`), SQL (`queries`), taking a backup (`dump`),
//! checking one (`checks`), pruning (`retention`), target management
//! (`targets`), and the metrics and heartbeats the workers emit.
//!
//! Long work (a dump, a restore test) is split in two: `start_*` records
//! it (and its audit entry) and returns at once, `perform_*` does it and
//! records the outcome. Pages spawn `perform_*`; the CLI and the scheduler
//! await it.

pub mod checks;
pub mod connection;
pub mod dump;
pub mod heartbeat;
pub mod metrics;
pub mod overview;
pub mod queries;
pub mod retention;
pub mod store;
pub mod targets;
pub mod tools;

use sqlx::PgConnection;

use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry};
use crate::auth::ssr::Caller;
use crate::backups::BackupRun;
pub use crate::backups::settings::Backups;
use crate::error::AppError;
use crate::secrets::{BACKUP_URL, Keyring};
use crate::state::AppState;
use connection::ConnectionUrl;

/// One run as recorded now, or `NotFound`.
pub async fn load_run(state: &AppState, run_id: i64) -> Result<BackupRun, AppError> {
    let mut conn = state.connection("db acquire").await?;
    queries::run(&mut conn, run_id)
        .await
        .map_err(|e| AppError::internal("load backup run", e))?
        .ok_or(AppError::NotFound)
}

impl Backups {
    /// The connection URL of a target (Opsdeck's own: `DATABASE_URL`),
    /// opened with `keys` (it is stored sealed).
    pub async fn url_of(
        &self,
        conn: &mut PgConnection,
        keys: &Keyring,
        target_id: i64,
    ) -> Result<ConnectionUrl, String> {
        match queries::stored_url(conn, target_id).await {
            Ok(None) => Ok(self.own_url.clone()),
            Ok(Some(stored)) => {
                let text = keys
                    .open(BACKUP_URL, &stored)
                    .map_err(|problem| format!("the stored connection URL cannot be decrypted: {problem}"))?;
                ConnectionUrl::parse(&text).map_err(|_| "the stored connection URL is not usable".into())
            }
            Err(error) => Err(format!("could not read the target: {error}")),
        }
    }
}

/// Who started a run or check: a user, the CLI or the scheduler.
#[derive(Clone, Debug)]
pub struct Starter {
    pub actor: Actor,
    pub client: ClientInfo,
    /// What the records show: the user's email, `cli` or `scheduler`.
    pub label: String,
}

impl Starter {
    /// The audit entry of `action` by whoever started the work.
    pub fn entry(&self, action: &str, outcome: Outcome) -> NewAuditEntry {
        NewAuditEntry::new(self.actor.clone(), action, outcome, self.client.clone())
    }

    pub fn user(caller: &Caller) -> Starter {
        Starter {
            actor: caller.actor.clone(),
            client: caller.client.clone(),
            label: caller.user.email.clone(),
        }
    }

    /// A command line action; `command` names it in the audit entry's user agent.
    pub fn cli(command: &str) -> Starter {
        Starter {
            actor: Actor::cli(),
            client: ClientInfo::cli(command),
            label: "cli".into(),
        }
    }

    pub fn scheduler() -> Starter {
        Starter {
            actor: Actor {
                id: None,
                email: Some("scheduler".into()),
                role: None,
            },
            client: ClientInfo {
                ip: None,
                user_agent: Some("opsdeck backup scheduler".into()),
                request_id: None,
            },
            label: "scheduler".into(),
        }
    }
}
