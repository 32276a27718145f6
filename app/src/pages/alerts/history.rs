//! Tables of a rule's state changes and of its saved versions.

use leptos::prelude::*;

use super::badges::{SeverityBadge, StateBadge, when};
use crate::alerts::rule::{StoredEvent, format_value};

#[component]
pub fn EventTable(events: Vec<StoredEvent>, show_rule: bool) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted" data-testid="no-events">"No state changes match."</p> }.into_any();
    }
    view! {
        <table class="audit-table" data-testid="alert-events">
            <thead><tr>
                <th scope="col">"Time"</th>
                {show_rule.then(|| view! { <th scope="col">"Rule"</th> })}
                <th scope="col">"Severity"</th><th scope="col">"From"</th><th scope="col">"To"</th>
                <th scope="col">"Value"</th><th scope="col">"Threshold"</th>
            </tr></thead>
            <tbody>
                {events.into_iter().map(|e| view! {
                    <tr>
                        <td>{when(e.at)}</td>
                        {show_rule.then(|| view! { <td><a href=format!("/alerts/rules/{}", e.rule_id)>{e.rule_name.clone()}</a></td> })}
                        <td><SeverityBadge severity=e.severity /></td>
                        <td><StateBadge state=e.from /></td>
                        <td>
                            <StateBadge state=e.to />
                            {e.silence_id.map(|_| view! { <span class="badge badge-silenced" data-testid="event-silenced">"silenced"</span> })}
                        </td>
                        <td>{e.value.map_or_else(|| "no data".to_string(), format_value)}</td>
                        <td>{format_value(e.threshold)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
