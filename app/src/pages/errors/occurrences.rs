//! The issue's occurrences over the range (from its per-minute counts),
//! with the service's deployments marked: the shared line chart, whose
//! server-drawn SVG stands in without JavaScript, and links to the other
//! ranges.

use leptos::prelude::*;

use super::sparkline::events as count_events;
use crate::components::chart::{ChartLine, LineChart, deployment_markers};
use crate::errors::events::{IssueEvents, IssueEventsFilter};

/// The ranges offered (a custom one has no form here).
const RANGES: [(&str, &str); 4] = [
    ("1h", "1 hour"),
    ("24h", "24 hours"),
    ("7d", "7 days"),
    ("30d", "30 days"),
];

#[component]
pub fn Occurrences(issue_id: i64, events: IssueEvents, filter: IssueEventsFilter) -> impl IntoView {
    let points: Vec<(i64, f64)> = events.occurrences.iter().map(|(t, n)| (*t, *n as f64)).collect();
    let total: i64 = events.occurrences.iter().map(|(_, n)| n).sum();
    let lines = Signal::stored(vec![ChartLine { name: "Events", points }]);
    let markers = deployment_markers(&events.deployments);
    let x_range = Signal::stored((events.from_ms, events.to_ms));
    let chosen = filter.range.clone().unwrap_or_else(|| "24h".to_string());
    let links = RANGES.map(|(range, label)| {
        let link = IssueEventsFilter {
            range: (range != "24h").then(|| range.to_string()),
            ..IssueEventsFilter::default()
        };
        let href = link.href(issue_id, filter.event.clone(), None);
        let current = (chosen == range).then_some("page");
        view! { <a href=href aria-current=current>{label}</a> }
    });
    view! {
        <section class="panel" aria-labelledby="occurrences-heading">
            <h2 id="occurrences-heading">"Occurrences"</h2>
            <nav class="range-links" aria-label="Occurrences range">{links.into_iter().collect_view()}</nav>
            <p class="muted" data-testid="occurrences-total">
                {format!("{} in the last {}.", count_events(total), RANGES.iter().find(|(r, _)| *r == chosen).map_or("24 hours", |(_, l)| l))}
            </p>
            <LineChart id="occurrences-chart" title="Events" unit="events" lines markers x_range
                step_ms=events.step_ms empty="No events in this time range" />
        </section>
    }
}
