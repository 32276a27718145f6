//! The table of state changes (the Alerts page's history and a rule's own),
//! each with links to the chart around it and to its rule's audit trail.

use chrono::Duration;
use leptos::prelude::*;

use super::badges::{SeverityBadge, StateBadge, when};
use crate::alerts::errors_link::errors_href;
use crate::alerts::rule::{StoredEvent, format_value};
use crate::auth::permissions::Permission;
use crate::components::logs_link::{LinkFor, LogsLink};
use crate::logs::search::{logs_around_href, service_term};
use crate::metrics::pages::PerformanceQuery;

/// The Performance page from an hour before to an hour after the event, for
/// its rule's service (and endpoint, for a request rule). The rule page's own
/// chart covers only the last hours, so metric rules link here too.
pub fn chart_href(event: &StoredEvent) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| Some(t.format("%Y-%m-%dT%H:%M").to_string());
    PerformanceQuery {
        service: Some(event.service.clone()),
        endpoint: event.endpoint.clone().filter(|_| event.aggregation.reads_requests()),
        range: Some("custom".into()),
        from: at(event.at - Duration::hours(1)),
        to: at(event.at + Duration::hours(1)),
    }
    .href()
}

/// The Logs page: the rule's service (and a log rule's query: the lines it
/// counted) from 15 minutes before to 15 after the event.
pub fn logs_href(event: &StoredEvent) -> String {
    let service = service_term(&event.service);
    let query = match event.log_query.as_deref().map(str::trim) {
        Some(query) if event.aggregation.reads_logs() && !query.is_empty() => format!("{service} {query}"),
        _ => service,
    };
    logs_around_href(&query, event.at, 15)
}

/// The audit log filtered to the event's rule.
pub fn audit_href(event: &StoredEvent) -> String {
    format!("/audit?target_type=alert_rule&target_id={}", event.rule_id)
}

#[component]
pub fn EventTable(
    events: Vec<StoredEvent>,
    show_rule: bool,
    /// Whether to link each event to its rule's audit trail (the viewer may read the audit log).
    audit_links: bool,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted" data-testid="no-events">"No state changes match."</p> }.into_any();
    }
    view! {
        <table class="audit-table" data-testid="alert-events">
            <thead><tr>
                <th scope="col">"Time"</th>
                {show_rule.then(|| view! { <th scope="col">"Rule"</th> })}
                <th scope="col">"Severity"</th><th scope="col">"From"</th><th scope="col">"To"</th>
                <th scope="col">"Value"</th><th scope="col">"Threshold"</th><th scope="col">"Links"</th>
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
                        <td class="event-links">
                            <a href=chart_href(&e)>"Chart"</a>
                            <LogsLink href=logs_href(&e) label="Logs" />
                            {errors_href(e.aggregation, &e.service, e.error_issue).map(|href| view! {
                                <LinkFor permission=Permission::ReadErrors href label="Errors" testid="errors-link" />
                            })}
                            {audit_links.then(|| view! { <a href=audit_href(&e)>"Audit"</a> })}
                            {crate::alerts::notify::announces(e.to).then(|| view! {
                                <a href=format!("/alerts/rules/{}#notifications", e.rule_id)>"Notifications"</a>
                            })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::alerts::{Aggregation, AlertState, Severity};

    fn event(aggregation: Aggregation) -> StoredEvent {
        StoredEvent {
            id: 1,
            rule_id: 7,
            rule_name: "Checkout slow".into(),
            at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 30, 10, 15, 30)
                .single()
                .expect("a time"),
            from: AlertState::Pending,
            to: AlertState::Firing,
            value: Some(600.0),
            threshold: 500.0,
            severity: Severity::Warning,
            service: "checkout".into(),
            endpoint: Some("/pay".into()),
            aggregation,
            log_query: None,
            error_issue: None,
            silence_id: None,
        }
    }

    #[test]
    fn the_chart_covers_an_hour_either_side_of_the_event() {
        assert_eq!(
            chart_href(&event(Aggregation::P95)),
            "/performance?service=checkout&endpoint=%2Fpay&range=custom&from=2026-11-30T09%3A15&to=2026-11-30T11%3A15"
        );
        // A metric rule has no endpoint page: the service's.
        assert!(!chart_href(&event(Aggregation::MetricMax)).contains("endpoint="));
        assert_eq!(
            logs_href(&event(Aggregation::P95)),
            "/logs?q=service%3Acheckout&range=custom&from=2026-11-30T10%3A00%3A30Z&to=2026-11-30T10%3A30%3A30Z"
        );
        // A log rule's event opens the lines it counted.
        let logs = StoredEvent {
            log_query: Some(r#"level>=error "card declined""#.into()),
            ..event(Aggregation::LogLines)
        };
        assert_eq!(
            logs_href(&logs),
            "/logs?q=service%3Acheckout%20level%3E%3Derror%20%22card%20declined%22&range=custom\
             &from=2026-11-30T10%3A00%3A30Z&to=2026-11-30T10%3A30%3A30Z"
        );
        assert_eq!(
            audit_href(&event(Aggregation::P95)),
            "/audit?target_type=alert_rule&target_id=7"
        );
    }
}
