//! Status words for runs and checks; the colour repeats what the word says.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::backups::{BackupRun, CheckOutcome, CheckSummary, RunStatus, human_bytes};
use crate::components::short_time::ShortTime;

/// `2026-11-24 10:15 UTC`, or a dash.
pub fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_string())
}

/// The run's status word; while it runs, the bytes written so far under it
/// (a narrow column stays narrow).
#[component]
pub fn RunStatusBadge(run: BackupRun) -> impl IntoView {
    let (label, class) = match (run.status, run.pruned_at.is_some()) {
        (RunStatus::Running, _) => ("running", "badge badge-degraded"),
        (RunStatus::Succeeded, true) => ("pruned", "badge"),
        (RunStatus::Succeeded, false) => ("succeeded", "badge badge-up"),
        (RunStatus::Failed, _) => ("failed", "badge badge-down"),
    };
    let written = (run.status == RunStatus::Running).then(|| {
        view! { <br /><span class="muted">{format!("{} written", human_bytes(run.progress_bytes))}</span> }
    });
    view! { <span data-testid="run-status"><span class=class>{label}</span>{written}</span> }
}

/// "verified ✓" / "restored ✗" over when (short), "running", or "not yet".
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
        <span class="muted"><ShortTime at=check.finished_at.unwrap_or(check.started_at) /></span>
    }
    .into_any()
}
