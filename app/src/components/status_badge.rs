use leptos::prelude::*;

use crate::health::Status;

/// A coloured status word; the colour repeats what the word already says.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let label = match status {
        Status::Up => "Up",
        Status::Degraded => "Degraded",
        Status::Down => "Down",
    };
    view! { <span class=format!("badge badge-{}", status.as_str())>{label}</span> }
}
