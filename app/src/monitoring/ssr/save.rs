//! Saving Settings › Monitoring: refused when another save came first
//! (version check), or when a shorter retention was not confirmed; stored
//! with its audit entry (before and after) in one transaction, then applied
//! here and announced to the other instances.

use serde_json::json;

use super::deletion::{self, Shortened};
use super::{announce, lock, page_of, write};
use crate::audit::Outcome;
use crate::audit::ssr::{NewAuditEntry, append_and_commit};
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::monitoring::settings::Stored;
use crate::monitoring::{MonitoringPage, PageValues, resolve};
use crate::state::AppState;

/// The field a refused confirmation is reported under (its checkbox).
pub const CONFIRM_FIELD: &str = "confirm_deletion";

pub async fn save(
    state: &AppState,
    caller: Caller,
    version: i64,
    page: PageValues,
    confirmed: bool,
) -> Result<MonitoringPage, AppError> {
    let baseline = state.monitoring.baseline();
    let mut tx = state.begin("monitoring settings: begin").await?;
    let before = lock(&mut tx)
        .await
        .map_err(AppError::internal_in("monitoring settings: lock"))?;
    if before.version != version {
        return Err(AppError::Conflict(stale(&before)));
    }
    let (old, new) = (resolve(&before.page, baseline)?, resolve(&page, baseline)?);
    let shortened = Shortened::between(&old, &new);
    if !shortened.is_empty() && !confirmed {
        let today = chrono::Utc::now().date_naive();
        let impact = deletion::describe(&mut tx, &shortened, today)
            .await
            .map_err(AppError::internal_in("monitoring settings: count deletions"))?;
        return Err(AppError::validation(
            CONFIRM_FIELD,
            format!(
                "A shorter retention deletes data: {impact} Tick “Delete the older data” and save again to go ahead."
            ),
        ));
    }
    let by = caller.user.email.clone();
    let after = write(&mut tx, &page, &by)
        .await
        .map_err(AppError::internal_in("monitoring settings: write"))?;
    let entry = NewAuditEntry::new(
        caller.actor,
        "monitoring_settings.update",
        Outcome::Success,
        caller.client,
    )
    .target("monitoring_settings", after.version)
    .change(Some(snapshot(&before)), Some(snapshot(&after)));
    append_and_commit(tx, &state.audit_key, entry, "audit monitoring_settings.update").await?;
    state.monitoring.apply(after.clone());
    announce(&state.redis, after.version).await;
    Ok(page_of(state, &after))
}

/// What the audit entry keeps of a version: the values set on the page.
fn snapshot(stored: &Stored) -> serde_json::Value {
    json!({ "version": stored.version, "values": stored.page })
}

fn stale(now: &Stored) -> String {
    let by = match &now.updated {
        Some((who, at)) => format!(" by {who} at {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        None => String::new(),
    };
    format!(
        "Another admin saved these settings since you opened this page (now version {}{by}); nothing was changed. \
         Your values are still in the form: compare them with the current ones (reload the page in another tab) \
         and save again to replace them.",
        now.version
    )
}
