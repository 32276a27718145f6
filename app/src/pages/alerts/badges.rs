//! Small words shown as coloured badges: a rule's state and severity.

use leptos::prelude::*;

use crate::alerts::{AlertState, Severity};

#[component]
pub fn StateBadge(state: AlertState) -> impl IntoView {
    let tone = match state {
        AlertState::Firing | AlertState::Error => "down",
        AlertState::Pending | AlertState::NoData => "degraded",
        AlertState::Normal | AlertState::Resolved => "up",
    };
    view! { <span class=format!("badge badge-{tone}") data-state=state.as_str()>{state.as_str()}</span> }
}

#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! { <span class=format!("badge severity-{}", severity.as_str())>{severity.as_str()}</span> }
}

/// "2026-11-30 12:03:04 UTC" style time for tables.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! { <time datetime=t.to_rfc3339()>{stamp(t)}</time> }
}

/// The same as text.
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
