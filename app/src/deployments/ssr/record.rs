//! Recording and finishing a deployment, each with its one audit entry in
//! the same transaction. The page's server functions and the API handler
//! both come here; only who is named differs ([`Recorder`]).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{RecordedBy, audit_snapshot, insert, lock, set_finished};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append_and_commit};
use crate::deployments::{Deployment, Finish, NewDeployment, Source};
use crate::error::AppError;
use crate::state::AppState;

/// Who records: a signed-in user on the page, or an API key.
#[derive(Clone, Debug)]
pub struct Recorder {
    pub actor: Actor,
    pub client: ClientInfo,
    pub source: Source,
    pub by: RecordedBy,
    /// What "deployed by" says when the deployment names no one.
    pub default_deployed_by: String,
    /// Added to audit entries (the API key's id and name).
    pub api_key: Option<Value>,
}

impl Recorder {
    fn entry(&self, action: &str, id: i64, before: Option<Value>, after: Option<Value>) -> NewAuditEntry {
        let with_key = |snapshot: Value| match (&self.api_key, snapshot) {
            (Some(key), Value::Object(mut map)) => {
                map.insert("api_key".into(), key.clone());
                Value::Object(map)
            }
            (_, snapshot) => snapshot,
        };
        NewAuditEntry::new(self.actor.clone(), action, Outcome::Success, self.client.clone())
            .target("deployment", id)
            .change(before, after.map(with_key))
    }
}

/// Stores `new` and its `deployment.record` audit entry.
pub async fn record(state: &AppState, recorder: &Recorder, new: NewDeployment) -> Result<Deployment, AppError> {
    let deployed_by = new
        .deployed_by
        .clone()
        .unwrap_or_else(|| recorder.default_deployed_by.clone());
    let mut tx = state.begin("begin").await?;
    let deployment = insert(&mut tx, &new, &deployed_by, recorder.source, recorder.by)
        .await
        .map_err(|e| AppError::internal("insert deployment", e))?;
    let entry = recorder.entry(
        "deployment.record",
        deployment.id,
        None,
        Some(audit_snapshot(&deployment)),
    );
    append_and_commit(tx, &state.audit_key, entry, "deployments: audit").await?;
    Ok(deployment)
}

/// What finishing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// It was started and now has its final status.
    Changed(Deployment),
    /// It already had this final status (a retry): nothing changed.
    Unchanged(Deployment),
}

impl Finished {
    pub fn deployment(self) -> Deployment {
        match self {
            Finished::Changed(deployment) | Finished::Unchanged(deployment) => deployment,
        }
    }
}

/// Gives a started deployment its final status and writes `deployment.finish`.
/// Finishing it again with the same status changes nothing; with another
/// status it is a conflict (a finished deployment stays as it ended).
pub async fn finish(
    state: &AppState,
    recorder: &Recorder,
    id: i64,
    finish: &Finish,
    now: DateTime<Utc>,
) -> Result<Finished, AppError> {
    let mut tx = state.begin("begin").await?;
    let before = lock(&mut tx, id)
        .await
        .map_err(|e| AppError::internal("lock deployment", e))?
        .ok_or(AppError::NotFound)?;
    if before.status == finish.status {
        return Ok(Finished::Unchanged(before));
    }
    if before.status.is_final() {
        return Err(AppError::Conflict(format!(
            "Deployment {id} already finished as {}; a finished deployment keeps its status.",
            before.status.as_str()
        )));
    }
    let finished_at = finish.time(before.started_at, now)?;
    let after = set_finished(&mut tx, id, finish.status, finished_at, finish.notes_url.as_deref())
        .await
        .map_err(|e| AppError::internal("finish deployment", e))?;
    let entry = recorder.entry(
        "deployment.finish",
        id,
        Some(audit_snapshot(&before)),
        Some(audit_snapshot(&after)),
    );
    append_and_commit(tx, &state.audit_key, entry, "deployments: audit").await?;
    Ok(Finished::Changed(after))
}
