//! Pruning a target's backups: keep the last N and/or those younger than D
//! days (either keeps a backup; neither set keeps all), and always the
//! newest backup that passed a restore test. A pruned backup's file is
//! removed and its record marked `pruned_at`, with an audit entry, in one
//! transaction per backup (the file goes before the commit: a failed
//! removal leaves the record as it was).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{Starter, queries};
use crate::audit::Outcome;
use crate::audit::ssr::append;
use crate::error::AppError;
use crate::state::AppState;

/// Ids (of `backups`, newest first) that the rules no longer keep.
pub fn to_prune(
    backups: &[(i64, DateTime<Utc>)],
    keep_last: Option<i32>,
    keep_days: Option<i32>,
    protected: Option<i64>,
    now: DateTime<Utc>,
) -> Vec<i64> {
    if keep_last.is_none() && keep_days.is_none() {
        return Vec::new();
    }
    backups
        .iter()
        .enumerate()
        .filter(|(index, (id, started_at))| {
            let by_count = keep_last.is_some_and(|n| (*index as i64) < i64::from(n));
            let by_age = keep_days.is_some_and(|days| *started_at > now - Duration::days(i64::from(days)));
            !(by_count || by_age || protected == Some(*id))
        })
        .map(|(_, (id, _))| *id)
        .collect()
}

/// Prunes what the target's rules no longer keep; returns the pruned run ids.
pub async fn prune_target(state: &AppState, target_id: i64, starter: &Starter) -> Result<Vec<i64>, AppError> {
    let mut conn = state.connection("db acquire").await?;
    let rules: Option<(Option<i32>, Option<i32>)> =
        sqlx::query_as("SELECT keep_last, keep_days FROM backup_targets WHERE id = $1")
            .bind(target_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| AppError::internal("load retention", e))?;
    let Some((keep_last, keep_days)) = rules else {
        return Ok(Vec::new());
    };
    let kept = queries::kept_backups(&mut conn, target_id)
        .await
        .map_err(|e| AppError::internal("list backups", e))?;
    let protected = queries::newest_restore_tested(&mut conn, target_id)
        .await
        .map_err(|e| AppError::internal("find restore-tested backup", e))?;
    drop(conn);
    let listed: Vec<(i64, DateTime<Utc>)> = kept.iter().map(|(id, at, _)| (*id, *at)).collect();
    let mut pruned = Vec::new();
    for id in to_prune(&listed, keep_last, keep_days, protected, Utc::now()) {
        let Some((_, started_at, location)) = kept.iter().find(|(kept_id, _, _)| *kept_id == id) else {
            continue;
        };
        let mut tx = state.begin("begin").await?;
        if !queries::set_pruned(&mut tx, id)
            .await
            .map_err(|e| AppError::internal("mark pruned", e))?
        {
            continue;
        }
        let after = json!({
            "location": location,
            "started_at": started_at,
            "keep_last": keep_last,
            "keep_days": keep_days,
        });
        append(
            &mut tx,
            &state.audit_key,
            starter
                .entry("backup.prune", Outcome::Success)
                .target("backup_run", id)
                .change(None, Some(after)),
        )
        .await
        .map_err(AppError::internal_in("backups: audit"))?;
        if let Err(error) = state.backups.store.remove(location).await {
            tracing::warn!(%error, run = id, "could not remove a pruned backup file; keeping its record");
            continue;
        }
        tx.commit()
            .await
            .map_err(|e| AppError::internal("commit backup.prune", e))?;
        pruned.push(id);
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backups(now: DateTime<Utc>, ages_in_days: &[i64]) -> Vec<(i64, DateTime<Utc>)> {
        ages_in_days
            .iter()
            .enumerate()
            .map(|(index, age)| (index as i64 + 1, now - Duration::days(*age)))
            .collect()
    }

    #[test]
    fn no_rules_keep_everything() {
        let now = Utc::now();
        assert!(to_prune(&backups(now, &[0, 10, 400]), None, None, None, now).is_empty());
    }

    #[test]
    fn either_rule_keeps_a_backup() {
        let now = Utc::now();
        let list = backups(now, &[0, 1, 2, 5, 40]);
        assert_eq!(to_prune(&list, Some(2), None, None, now), vec![3, 4, 5]);
        assert_eq!(to_prune(&list, None, Some(3), None, now), vec![4, 5]);
        assert_eq!(to_prune(&list, Some(4), Some(3), None, now), vec![5]);
    }

    #[test]
    fn the_newest_restore_tested_backup_is_never_pruned() {
        let now = Utc::now();
        let list = backups(now, &[0, 1, 2]);
        assert_eq!(to_prune(&list, Some(1), None, Some(3), now), vec![2]);
    }
}
