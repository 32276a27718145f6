//! `/alerts/rules`: every rule with what it watches, its state and whether
//! it is enabled; operators and admins enable, disable, create and import
//! rules; everyone who reads them can export them as YAML.

use leptos::prelude::*;
use leptos_meta::Title;

use super::badges::{SeverityBadge, StateBadge};
use crate::alerts::api::{SetRuleEnabled, list_rules};
use crate::alerts::rule::{Rule, format_value};
use crate::components::form::FormError;
use crate::components::table_head::TableHead;

/// "P95 latency (ms) of checkout /pay over 5 min > 500"; "Log lines of
/// checkout matching timeout over 5 min > 3"; "Error events of checkout
/// issue 42 over 5 min > 10".
pub fn watches(rule: &Rule) -> String {
    let d = &rule.draft;
    if d.aggregation.reads_logs() {
        let matching = d
            .log_query
            .as_ref()
            .map(|q| format!(" matching {q}"))
            .unwrap_or_default();
        return format!(
            "Log lines of {}{matching} over {} min {} {}",
            d.service,
            d.window_secs / 60,
            d.comparator.as_str(),
            format_value(d.threshold)
        );
    }
    let subject = match (&d.metric, &d.endpoint, d.error_issue) {
        (Some(metric), _, _) => format!("{metric} of {}", d.service),
        (None, Some(endpoint), _) => format!("{} {endpoint}", d.service),
        (None, None, Some(issue)) => format!("{} issue {issue}", d.service),
        (None, None, None) => d.service.clone(),
    };
    format!(
        "{} of {subject} over {} min {} {}",
        d.aggregation.label(),
        d.window_secs / 60,
        d.comparator.as_str(),
        format_value(d.threshold)
    )
}

#[component]
pub fn Rules() -> impl IntoView {
    let toggle = ServerAction::<SetRuleEnabled>::new();
    let rules = Resource::new(move || toggle.version().get(), |_| list_rules());
    let error = Signal::derive(move || toggle.value().get().and_then(Result::err));
    view! {
        <Title text="Alert rules" />
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › Rules"</p>
        <h1>"Alert rules"</h1>
        <FormError error />
        <Transition fallback=|| view! { <p class="muted">"Loading rules…"</p> }>
            {move || rules.get().map(|result| match result {
                Ok((rules, can_edit)) => view! { <RuleTable rules can_edit toggle /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load rules: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RuleTable(rules: Vec<Rule>, can_edit: bool, toggle: ServerAction<SetRuleEnabled>) -> impl IntoView {
    view! {
        <p class="row-actions">
            {can_edit.then(|| view! { <a class="button primary" href="/alerts/rules/new">"New rule"</a> <a class="button" href="/alerts/rules/import">"Import"</a> })}
            <a class="button" href="/api/v1/alerts/rules.yaml" download rel="external">"Export YAML"</a>
        </p>
        <table class="audit-table" data-testid="alert-rules">
            <TableHead columns=&["Rule", "Severity", "Watches", "State", "Enabled"] />
            <tbody>
                {rules.into_iter().map(|rule| {
                    let id = rule.id;
                    let enabled = rule.draft.enabled;
                    let watched = watches(&rule);
                    let state = rule.state.as_ref().map(|s| s.state);
                    view! {
                        <tr>
                            <td><a href=format!("/alerts/rules/{id}")>{rule.draft.name.clone()}</a></td>
                            <td><SeverityBadge severity=rule.draft.severity /></td>
                            <td>{watched}</td>
                            <td>{match state {
                                Some(state) if enabled => view! { <StateBadge state /> }.into_any(),
                                _ => view! { <span class="muted">"—"</span> }.into_any(),
                            }}</td>
                            <td>
                                {if can_edit {
                                    view! {
                                        <ActionForm action=toggle>
                                            <input type="hidden" name="id" value=id.to_string() />
                                            <input type="hidden" name="enabled" value=(!enabled).to_string() />
                                            <button type="submit" aria-label=format!("{} {}", if enabled { "Disable" } else { "Enable" }, rule.draft.name)>
                                                {if enabled { "Disable" } else { "Enable" }}
                                            </button>
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    view! { <span>{if enabled { "yes" } else { "no" }}</span> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
