//! Adding, changing and deleting backup targets (admins). The connection
//! URL is write-only: saved, never sent back; a blank URL when editing
//! keeps the stored one. Opsdeck's own target keeps its name and its URL
//! (DATABASE_URL); its schedules and retention can change, it cannot be
//! deleted. Every change writes its audit entry (without the URL) in the
//! same transaction.

use serde_json::{Value, json};

use super::connection::{ConnectionUrl, Schedule, parse_target_name};
use super::{Starter, queries};
use crate::audit::Outcome;
use crate::audit::ssr::{append, append_and_commit};
use crate::backups::BackupTarget;
use crate::error::AppError;
use crate::secrets::BACKUP_URL;
use crate::state::AppState;

/// A checked target form.
#[derive(Clone, Debug)]
pub struct TargetDraft {
    pub name: String,
    pub url: Option<ConnectionUrl>,
    pub schedule: Option<Schedule>,
    pub restore_schedule: Option<Schedule>,
    pub keep_last: Option<i32>,
    pub keep_days: Option<i32>,
}

fn optional_number(field: &str, text: &str, max: i32, unit: &str) -> Result<Option<i32>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(AppError::validation(
            field,
            format!("Enter 1 to {max} {unit}, or leave it empty."),
        )),
    }
}

impl TargetDraft {
    pub fn parse(
        name: &str,
        connection_url: &str,
        schedule: &str,
        restore_schedule: &str,
        keep_last: &str,
        keep_days: &str,
    ) -> Result<TargetDraft, AppError> {
        Ok(TargetDraft {
            name: parse_target_name(name)?,
            url: match connection_url.trim() {
                "" => None,
                text => Some(ConnectionUrl::parse(text)?),
            },
            schedule: Schedule::parse("schedule", schedule)?,
            restore_schedule: Schedule::parse("restore_schedule", restore_schedule)?,
            keep_last: optional_number("keep_last", keep_last, 10_000, "backups")?,
            keep_days: optional_number("keep_days", keep_days, 36_500, "days")?,
        })
    }
}

/// What the audit log records of a target: never its URL.
fn snapshot(target: &BackupTarget) -> Value {
    json!({
        "name": target.name,
        "location": target.location,
        "schedule": target.schedule,
        "restore_schedule": target.restore_schedule,
        "keep_last": target.keep_last,
        "keep_days": target.keep_days,
    })
}

async fn load(conn: &mut sqlx::PgConnection, state: &AppState, id: i64) -> Result<BackupTarget, AppError> {
    queries::target(conn, id, &state.backups.own_url.location())
        .await
        .map_err(|e| AppError::internal("load backup target", e))?
        .ok_or(AppError::NotFound)
}

/// Adds a target (`id` None) or changes one.
pub async fn save(
    state: &AppState,
    starter: &Starter,
    id: Option<i64>,
    draft: TargetDraft,
) -> Result<BackupTarget, AppError> {
    let mut tx = state.begin("begin").await?;
    let before = match id {
        Some(id) => {
            let is_self = queries::lock_target(&mut tx, id)
                .await
                .map_err(|e| AppError::internal("lock backup target", e))?
                .ok_or(AppError::NotFound)?;
            Some((load(&mut tx, state, id).await?, is_self))
        }
        None => None,
    };
    let is_self = before.as_ref().is_some_and(|(_, is_self)| *is_self);
    if is_self && draft.url.is_some() {
        return Err(AppError::validation(
            "connection_url",
            "Opsdeck's own database is DATABASE_URL; its URL cannot be changed here.",
        ));
    }
    if before.is_none() && draft.url.is_none() {
        return Err(AppError::validation(
            "connection_url",
            "Enter the connection URL of the database to back up.",
        ));
    }
    let name = match &before {
        Some((target, true)) => target.name.clone(),
        _ => draft.name.clone(),
    };
    let location = draft.url.as_ref().map(ConnectionUrl::location);
    // Stored sealed (`crate::secrets`); only `url_of` opens it, for the tools.
    let sealed = draft
        .url
        .as_ref()
        .map(|url| state.secrets.seal(BACKUP_URL, url.expose()));
    let change = queries::TargetChange {
        name: &name,
        connection_url: sealed.as_deref(),
        display_location: location.as_deref(),
        schedule: draft.schedule.as_ref().map(Schedule::as_str),
        restore_schedule: draft.restore_schedule.as_ref().map(Schedule::as_str),
        keep_last: draft.keep_last,
        keep_days: draft.keep_days,
    };
    let conflict = "A backup target with this name exists already.";
    let id = match id {
        Some(id) => {
            queries::update_target(&mut tx, id, &change)
                .await
                .map_err(|e| AppError::from_db("update backup target", e, conflict))?;
            id
        }
        None => queries::insert_target(&mut tx, &change)
            .await
            .map_err(|e| AppError::from_db("insert backup target", e, conflict))?,
    };
    let after = load(&mut tx, state, id).await?;
    let mut after_json = snapshot(&after);
    if draft.url.is_some() {
        after_json["connection_url"] = json!("(changed)");
    }
    let (action, before_json) = match &before {
        Some((target, _)) => ("backup.target.update", Some(snapshot(target))),
        None => ("backup.target.create", None),
    };
    let entry = starter
        .entry(action, Outcome::Success)
        .target("backup_target", id)
        .change(before_json, Some(after_json));
    append_and_commit(tx, &state.audit_key, entry, "backups: audit").await?;
    Ok(after)
}

/// Deletes a target with its records and backup files. Refused for
/// Opsdeck's own database and while one of its backups runs.
pub async fn delete(state: &AppState, starter: &Starter, id: i64) -> Result<(), AppError> {
    let mut tx = state.begin("begin").await?;
    let is_self = queries::lock_target(&mut tx, id)
        .await
        .map_err(|e| AppError::internal("lock backup target", e))?
        .ok_or(AppError::NotFound)?;
    if is_self {
        return Err(AppError::Conflict(
            "Opsdeck's own database is always backed up; it cannot be deleted.".into(),
        ));
    }
    if queries::running_run_of(&mut tx, id)
        .await
        .map_err(|e| AppError::internal("find running backup", e))?
        .is_some()
    {
        return Err(AppError::Conflict(
            "A backup of this target is running; delete it once it has finished.".into(),
        ));
    }
    let before = load(&mut tx, state, id).await?;
    let files = queries::target_files(&mut tx, id)
        .await
        .map_err(|e| AppError::internal("list backup files", e))?;
    queries::delete_target(&mut tx, id)
        .await
        .map_err(|e| AppError::internal("delete backup target", e))?;
    let mut before_json = snapshot(&before);
    before_json["backup_files"] = json!(files.len());
    let entry = starter
        .entry("backup.target.delete", Outcome::Success)
        .target("backup_target", id)
        .change(Some(before_json), None);
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(AppError::internal_in("backups: audit"))?;
    // Files go before the commit: should one not go, nothing is deleted.
    for file in &files {
        state
            .backups
            .store
            .remove(file)
            .await
            .map_err(|e| AppError::internal("remove backup file", e))?;
    }
    tx.commit()
        .await
        .map_err(|e| AppError::internal("commit backup.target.delete", e))?;
    Ok(())
}
