//! The delivery log: each notification, its channel, and every attempt at it.

use leptos::prelude::*;

use super::badges::{stamp, when};
use crate::alerts::notify::{Attempt, Delivery, DeliveryState, NotificationKind};
use crate::components::table_head::TableHead;

#[component]
pub fn DeliveryTable(deliveries: Vec<Delivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! {
            <p class="muted" data-testid="no-deliveries">
                "No notifications yet. They are sent when the alert fires or resolves, to the channels the rule names."
            </p>
        }
        .into_any();
    }
    view! {
        <table class="audit-table" data-testid="deliveries">
            <TableHead columns=&["Written", "Channel", "About", "Delivery", "Attempts"] />
            <tbody>
                {deliveries.into_iter().map(|d| view! {
                    <tr data-testid="delivery">
                        <td>{when(d.created_at)}</td>
                        <td>{d.channel.clone()}</td>
                        <td>{about(&d)}</td>
                        <td><DeliveryBadge state=d.state />{d.next_attempt_at.map(|at| view! { <span class="muted">{format!(" next try {}", stamp(at))}</span> })}</td>
                        <td><Attempts attempts=d.attempts /></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn about(delivery: &Delivery) -> String {
    let n = &delivery.notification;
    match n.kind {
        NotificationKind::Test => "Test notification".to_string(),
        NotificationKind::Report => format!("Scheduled report: {}", n.rule),
        NotificationKind::Repeat => format!("Still firing: {}", n.summary),
        NotificationKind::Transition => format!("{}: {}", n.state.as_str(), n.summary),
    }
}

#[component]
pub fn DeliveryBadge(state: DeliveryState) -> impl IntoView {
    let (class, text) = match state {
        DeliveryState::Delivered => ("badge badge-up", "delivered"),
        DeliveryState::Pending => ("badge badge-degraded", "retrying"),
        DeliveryState::Failed => ("badge badge-down", "failed"),
    };
    view! { <span class=class data-testid="delivery-state">{text}</span> }
}

/// One attempt as a line: when, the answer (or the error) and how long it took.
pub fn attempt_text(attempt: &Attempt) -> String {
    let answer = match (attempt.status, &attempt.error) {
        (Some(status), None) => format!("HTTP {status}"),
        (_, Some(error)) => error.clone(),
        (None, None) => "no answer".to_string(),
    };
    format!("{}: {answer} ({} ms)", stamp(attempt.at), attempt.latency_ms)
}

#[component]
fn Attempts(attempts: Vec<Attempt>) -> impl IntoView {
    if attempts.is_empty() {
        return view! { <span class="muted">"not tried yet"</span> }.into_any();
    }
    view! {
        <details>
            <summary>{format!("{} — {}", attempts.len(), attempts.last().map(attempt_text).unwrap_or_default())}</summary>
            <ol class="attempts">
                {attempts.iter().map(|a| view! { <li>{attempt_text(a)}</li> }).collect_view()}
            </ol>
        </details>
    }
    .into_any()
}
