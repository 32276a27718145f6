//! Exporting the stored SLOs as a YAML file and importing one: every
//! create and update in one transaction (a new SLO's burn-rate rules with
//! it), each a new version with its audit entry; any problem stores nothing.

use sqlx::PgConnection;

use super::files::{parse, render};
use super::{manage, store};
use crate::audit::ssr::Audited;
use crate::error::AppError;
use crate::slo::Retention;
use crate::slo::views::ImportCounts;

/// The audit action of every SLO an import saves.
pub const IMPORT_ACTION: &str = "slo.import";

/// Every stored SLO as one YAML file.
pub async fn export(conn: &mut PgConnection) -> Result<String, AppError> {
    let slos = store::list(conn).await.map_err(AppError::internal_in("slos: list"))?;
    let drafts: Vec<_> = slos.into_iter().map(|slo| slo.draft).collect();
    render(&drafts)
}

/// Applies `text` as `change`: all of it or, on any problem, nothing.
pub async fn apply(mut change: Audited, text: &str, kept: Retention) -> Result<ImportCounts, AppError> {
    let drafts = parse(text).map_err(|problems| {
        let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
        let more = problems.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        AppError::validation(
            "yaml",
            format!("{} problem(s): {}{tail}", problems.len(), shown.join("; ")),
        )
    })?;
    // Edits from elsewhere wait until the import is in (readers do not).
    sqlx::query("LOCK TABLE slos IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("slos: lock"))?;
    let stored = store::list(&mut change.tx)
        .await
        .map_err(AppError::internal_in("slos: list"))?;
    let mut counts = ImportCounts::default();
    for draft in &drafts {
        let existing = stored.iter().find(|s| s.draft.name == draft.name);
        if existing.is_some_and(|s| s.draft == *draft) {
            counts.unchanged += 1;
            continue;
        }
        manage::save_in(&mut change, existing.map(|s| s.id), draft, kept, IMPORT_ACTION)
            .await
            .map_err(|error| match error {
                AppError::Validation { message, .. } => {
                    AppError::validation("yaml", format!("{}: {message}", draft.name))
                }
                other => other,
            })?;
        if existing.is_some() {
            counts.updated += 1;
        } else {
            counts.created += 1;
        }
    }
    change
        .tx
        .commit()
        .await
        .map_err(AppError::internal_in("slos: commit"))?;
    Ok(counts)
}

/// The files page's query after an import: the counts, or the problem.
pub fn outcome_query(result: &Result<ImportCounts, AppError>) -> String {
    match result {
        Ok(c) => format!("created={}&updated={}&unchanged={}", c.created, c.updated, c.unchanged),
        Err(error) => format!("problem={}", crate::url::percent_encode(&error.to_string())),
    }
}
