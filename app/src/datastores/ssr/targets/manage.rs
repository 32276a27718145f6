//! The admins' changes to monitored targets, each one transaction with its
//! audit entry (what changed, never the URL), and "Test connection" for a
//! typed URL or a saved target. The URL is sealed as it is stored; a
//! target made from a backup target has that target's URL opened and
//! sealed anew for its own column, on the server, and sent nowhere.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::probe;
use super::url::TargetUrl;
use crate::audit::ssr::Audited;
use crate::backups::ssr::connection::ConnectionUrl;
use crate::datastores::targets::{DataStoreTarget, parse_interval, parse_name};
use crate::error::{AppError, FieldErrors};
use crate::secrets::{BACKUP_URL, DATA_STORE_URL};
use crate::state::AppState;

const CONFLICT: &str = "A monitored data store with this name exists already.";

/// A checked "Add" form.
#[derive(Debug)]
pub struct Draft {
    pub name: String,
    pub url: TargetUrl,
    pub interval_secs: i32,
}

impl Draft {
    /// Every field's problem at once.
    pub fn parse(name: &str, connection_url: &str, interval_secs: &str) -> Result<Draft, AppError> {
        let mut errors = FieldErrors::default();
        let name = errors.take(parse_name(name));
        let url = errors.take(TargetUrl::parse(connection_url));
        let interval_secs = errors.take(parse_interval(interval_secs));
        errors.check()?;
        match (name, url, interval_secs) {
            (Some(name), Some(url), Some(interval_secs)) => Ok(Draft {
                name,
                url,
                interval_secs,
            }),
            _ => Err(AppError::Internal),
        }
    }
}

/// What the audit log records of a target.
fn snapshot(target: &DataStoreTarget) -> Value {
    json!({
        "kind": target.kind.as_str(),
        "name": target.name,
        "location": target.location,
        "interval_secs": target.interval_secs,
        "enabled": target.enabled,
        "from_backup": target.from_backup,
    })
}

async fn load(conn: &mut PgConnection, id: i64) -> Result<DataStoreTarget, AppError> {
    super::load(conn, id)
        .await
        .map_err(AppError::internal_in("datastores: load target"))?
        .ok_or(AppError::NotFound)
}

async fn lock(conn: &mut PgConnection, id: i64) -> Result<DataStoreTarget, AppError> {
    sqlx::query("SELECT id FROM data_store_targets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(AppError::internal_in("datastores: lock target"))?
        .ok_or(AppError::NotFound)?;
    load(conn, id).await
}

/// A new target's columns.
struct NewTarget<'a> {
    name: &'a str,
    url: &'a TargetUrl,
    interval_secs: i32,
    backup_target_id: Option<i64>,
}

async fn insert(mut change: Audited, state: &AppState, new: NewTarget<'_>) -> Result<DataStoreTarget, AppError> {
    let sealed = state.secrets.seal(DATA_STORE_URL, new.url.expose());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO data_store_targets (kind, name, connection_url, display_location, interval_secs, \
                                         backup_target_id, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.url.kind().as_str())
    .bind(new.name)
    .bind(&sealed)
    .bind(new.url.location())
    .bind(new.interval_secs)
    .bind(new.backup_target_id)
    .bind(change.actor.id)
    .fetch_one(&mut *change.tx)
    .await
    .map_err(|e| AppError::from_db("datastores: insert target", e, CONFLICT).conflict_on("name"))?;
    let target = load(&mut change.tx, id).await?;
    let entry = change
        .entry("datastore.target.create")
        .target("data_store_target", id)
        .change(None, Some(snapshot(&target)));
    change.commit(entry, "datastores: audit").await?;
    Ok(target)
}

/// Adds a target by its URL (its scheme says Postgres or Redis).
pub async fn add(change: Audited, state: &AppState, draft: Draft) -> Result<DataStoreTarget, AppError> {
    let new = NewTarget {
        name: &draft.name,
        url: &draft.url,
        interval_secs: draft.interval_secs,
        backup_target_id: None,
    };
    insert(change, state, new).await
}

/// Adds the Postgres a backup target backs up, under the backup target's
/// name, reusing its stored connection.
pub async fn add_from_backup(
    mut change: Audited,
    state: &AppState,
    backup_target_id: i64,
    interval_secs: i32,
) -> Result<DataStoreTarget, AppError> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT name, connection_url FROM backup_targets WHERE id = $1")
            .bind(backup_target_id)
            .fetch_optional(&mut *change.tx)
            .await
            .map_err(AppError::internal_in("datastores: read backup target"))?;
    let (name, stored) = row.ok_or(AppError::NotFound)?;
    let Some(stored) = stored else {
        return Err(AppError::Conflict(
            "Opsdeck's own database is always watched (opsdeck-postgres).".into(),
        ));
    };
    let plain = state.secrets.open(BACKUP_URL, &stored).map_err(|problem| {
        AppError::Conflict(format!("The backup target's stored URL cannot be decrypted: {problem}"))
    })?;
    let url = ConnectionUrl::parse(&plain)
        .map(TargetUrl::Postgres)
        .map_err(|_| AppError::Conflict("The backup target's stored URL is not usable.".into()))?;
    let new = NewTarget {
        name: &name,
        url: &url,
        interval_secs,
        backup_target_id: Some(backup_target_id),
    };
    insert(change, state, new).await.map_err(|error| match error {
        AppError::Validation { message, .. } if message == CONFLICT => {
            AppError::Conflict(format!("A monitored data store named {name} exists already."))
        }
        other => other,
    })
}

/// Switches a target on or off (`enabled`), or changes its interval.
pub async fn update(
    mut change: Audited,
    id: i64,
    enabled: Option<bool>,
    interval_secs: Option<i32>,
) -> Result<DataStoreTarget, AppError> {
    let before = lock(&mut change.tx, id).await?;
    sqlx::query(
        "UPDATE data_store_targets SET enabled = coalesce($2, enabled), interval_secs = coalesce($3, interval_secs) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(enabled)
    .bind(interval_secs)
    .execute(&mut *change.tx)
    .await
    .map_err(AppError::internal_in("datastores: update target"))?;
    let after = load(&mut change.tx, id).await?;
    let entry = change
        .entry("datastore.target.update")
        .target("data_store_target", id)
        .change(Some(snapshot(&before)), Some(snapshot(&after)));
    change.commit(entry, "datastores: audit").await?;
    Ok(after)
}

/// Deletes a target and its status; its samples age out with retention.
pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let before = lock(&mut change.tx, id).await?;
    sqlx::query("DELETE FROM data_store_status WHERE service = $1")
        .bind(&before.service)
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("datastores: delete status"))?;
    sqlx::query("DELETE FROM data_store_targets WHERE id = $1")
        .bind(id)
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("datastores: delete target"))?;
    let entry = change
        .entry("datastore.target.delete")
        .target("data_store_target", id)
        .change(Some(snapshot(&before)), None);
    change.commit(entry, "datastores: audit").await
}

/// "Test connection" of a typed URL: what failed, beside the URL field.
pub async fn test_typed(url: &TargetUrl) -> Result<String, AppError> {
    probe::test(url)
        .await
        .map_err(|problem| AppError::validation("connection_url", problem.message))
}

/// "Test connection" of a saved target: what failed, beside its button.
pub async fn test_saved(state: &AppState, id: i64) -> Result<String, AppError> {
    let mut conn = state.connection("datastores: acquire").await?;
    let (kind, sealed) = super::sealed_url(&mut conn, id)
        .await
        .map_err(AppError::internal_in("datastores: read target"))?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let refused = |message: String| AppError::validation("target_test", message);
    let plain = state
        .secrets
        .open(DATA_STORE_URL, &sealed)
        .map_err(|problem| refused(format!("The stored URL cannot be decrypted: {problem}")))?;
    let url = TargetUrl::stored(kind, &plain).map_err(refused)?;
    probe::test(&url).await.map_err(|problem| refused(problem.message))
}
