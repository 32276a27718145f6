//! Exporting the stored rules as a YAML file and importing one: the plan
//! (nothing written) and its application, every create and update in one
//! transaction, each a new rule version with its audit entry.

use sqlx::PgConnection;

use super::files::render;
use super::plan::plan;
use super::{channels, manage, store};
use crate::alerts::files::{Change, ImportCounts, ImportPlan};
use crate::audit::ssr::Audited;
use crate::error::AppError;

/// The audit action of every rule an import saves (`before` is empty for a new one).
pub const IMPORT_ACTION: &str = "alert_rule.import";

/// Which rules an export holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    All,
    Id(i64),
    Name(String),
}

/// The YAML file of the selected rules; `NotFound` when a named one is not stored.
pub async fn export(conn: &mut PgConnection, selection: &Selection) -> Result<String, AppError> {
    let rules = store::list(conn)
        .await
        .map_err(AppError::internal_in("alerts: rules"))?;
    let chosen: Vec<_> = rules
        .into_iter()
        .filter(|rule| match selection {
            Selection::All => true,
            Selection::Id(id) => rule.id == *id,
            Selection::Name(name) => rule.draft.name == *name,
        })
        .map(|rule| rule.draft)
        .collect();
    if chosen.is_empty() && *selection != Selection::All {
        return Err(AppError::NotFound);
    }
    render(&chosen)
}

/// What importing `text` would do now.
pub async fn preview(conn: &mut PgConnection, text: &str) -> Result<ImportPlan, AppError> {
    let stored = store::list(&mut *conn)
        .await
        .map_err(AppError::internal_in("alerts: rules"))?;
    let channels = channels::names(conn)
        .await
        .map_err(AppError::internal_in("alerts: channels"))?;
    Ok(plan(text, &stored, &channels).0)
}

/// Plans `text` again and applies it as `change`: all of it or, on any
/// problem or failure, nothing.
pub async fn apply(mut change: Audited, text: &str) -> Result<ImportCounts, AppError> {
    // Edits from elsewhere wait until the import is in (readers do not).
    sqlx::query("LOCK TABLE alert_rules IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("alerts: lock"))?;
    let stored = store::list(&mut change.tx)
        .await
        .map_err(AppError::internal_in("alerts: rules"))?;
    let channels = channels::names(&mut change.tx)
        .await
        .map_err(AppError::internal_in("alerts: channels"))?;
    let (plan, drafts) = plan(text, &stored, &channels);
    if !plan.problems.is_empty() {
        let shown: Vec<String> = plan.problems.iter().take(5).map(ToString::to_string).collect();
        let more = plan.problems.len().saturating_sub(shown.len());
        let mut message = format!("{} problem(s): {}", plan.problems.len(), shown.join("; "));
        if more > 0 {
            message.push_str(&format!(" (and {more} more)"));
        }
        return Err(AppError::validation("yaml", message));
    }
    for (planned, draft) in plan.rules.iter().zip(&drafts) {
        if planned.change == Change::Unchanged {
            continue;
        }
        manage::save_in(&mut change, planned.id, draft, IMPORT_ACTION).await?;
    }
    change
        .tx
        .commit()
        .await
        .map_err(AppError::internal_in("alerts: commit"))?;
    Ok(plan.counts())
}
