//! An audited change in the making: the transaction it is made in, and who
//! makes it from where, for its audit entry. A service takes one, makes its
//! change in `tx` and ends with [`Audited::commit`], so the change and its
//! entry commit (or roll back) together.

use sqlx::{Postgres, Transaction};

use super::{Actor, AuditKey, ClientInfo, NewAuditEntry, append, append_and_commit};
use crate::audit::Outcome;
use crate::error::AppError;
use crate::state::AppState;

pub struct Audited {
    pub tx: Transaction<'static, Postgres>,
    pub actor: Actor,
    pub client: ClientInfo,
    key: AuditKey,
}

impl Audited {
    /// A change by `actor` from `client` in `tx`, audited with `key`.
    pub fn new(tx: Transaction<'static, Postgres>, key: &AuditKey, actor: Actor, client: ClientInfo) -> Audited {
        Audited {
            tx,
            actor,
            client,
            key: key.clone(),
        }
    }

    /// Opens a change by `actor` from `client`; a failure to begin is an
    /// internal error logged with `context`.
    pub async fn begin(
        state: &AppState,
        actor: Actor,
        client: ClientInfo,
        context: &'static str,
    ) -> Result<Audited, AppError> {
        let tx = state.begin(context).await?;
        Ok(Audited::new(tx, &state.audit_key, actor, client))
    }

    /// The audit entry of a successful `action` by this change's actor.
    pub fn entry(&self, action: &str) -> NewAuditEntry {
        NewAuditEntry::new(self.actor.clone(), action, Outcome::Success, self.client.clone())
    }

    /// Appends `entry` in the transaction, which stays open for more.
    pub async fn append(&mut self, entry: NewAuditEntry, context: &'static str) -> Result<i64, AppError> {
        append(&mut self.tx, &self.key, entry)
            .await
            .map_err(AppError::internal_in(context))
    }

    /// Appends `entry` and commits the change with it.
    pub async fn commit(self, entry: NewAuditEntry, context: &'static str) -> Result<(), AppError> {
        append_and_commit(self.tx, &self.key, entry, context).await
    }
}
