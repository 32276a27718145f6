//! Status words for runs and checks; the colour repeats what the word says.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::backups::{BackupRun, CheckOutcome, CheckSummary, RunStatus, human_bytes};

/// `2026-11-24 10:15 UTC`, or a dash.
pub fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_string())
}

#[component]
pub fn RunStatusBadge(run: BackupRun) -> impl IntoView {
    let (label, class) = match (run.status, run.pruned_at.is_some()) {
        (RunStatus::Running, _) => (
            format!("running — {} written", human_bytes(run.progress_bytes)),
            "badge badge-degraded",
        ),
        (RunStatus::Succeeded, true) => ("pruned".to_string(), "badge"),
        (RunStatus::Succeeded, false) => ("succeeded".to_string(), "badge badge-up"),
        (RunStatus::Failed, _) => ("failed".to_string(), "badge badge-down"),
    };
    view! { <span class=class data-testid="run-status">{label}</span> }
}

/// "passed 2026-11-24 10:15 UTC", "failed …", "running", or "not yet".
#[component]
pub fn CheckBadge(check: Option<CheckSummary>, what: &'static str) -> impl IntoView {
    let Some(check) = check else {
        return view! { <span class="muted">"not yet"</span> }.into_any();
    };
    let (label, class) = match check.outcome {
        None => ("running".to_string(), "badge badge-degraded"),
        Some(CheckOutcome::Pass) => (format!("{what} ✓"), "badge badge-up"),
        Some(CheckOutcome::Fail) => (format!("{what} ✗"), "badge badge-down"),
    };
    view! {
        <span class=class>{label}</span>
        <br />
        <span class="muted">{when(check.finished_at.or(Some(check.started_at)))}</span>
    }
    .into_any()
}
