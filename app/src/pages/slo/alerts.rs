//! An SLO's burn-rate alert rules: each pair's factor and windows, its
//! state, and a link to its 30-day backtest (the rule editor's preview,
//! with a band wherever it would have fired).

use leptos::prelude::*;

use crate::alerts::rule::{Rule, format_value};
use crate::components::table_head::TableHead;
use crate::slo::budget::duration;

#[component]
pub fn BurnAlerts(alerts: Vec<Rule>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="burn-heading" data-testid="slo-alerts">
            <h2 id="burn-heading">"Burn-rate alerts"</h2>
            <p class="hint">"Ordinary alert rules, generated with the SLO: each fires while the budget burns at its factor or faster over both its windows. Edit a factor on the rule's page; the backtest replays the last 30 days."</p>
            {if alerts.is_empty() {
                view! { <p class="muted">"None: they were deleted, or the SLO was imported."</p> }.into_any()
            } else {
                view! {
                    <table class="audit-table">
                        <TableHead columns=&["Rule", "Severity", "Fires at", "Windows", "State", ""] />
                        <tbody>
                            {alerts.into_iter().map(|rule| {
                                let d = &rule.draft;
                                let windows = format!("{} and {}", duration(d.window_secs as f64 / 60.0), duration(d.window_secs as f64 / 720.0));
                                let state = match (&rule.state, d.enabled) {
                                    (_, false) => "disabled".to_string(),
                                    (Some(s), true) => s.state.as_str().to_string(),
                                    (None, true) => "not evaluated yet".to_string(),
                                };
                                view! {
                                    <tr>
                                        <td><a href=format!("/alerts/rules/{}", rule.id)>{d.name.clone()}</a></td>
                                        <td>{d.severity.as_str()}</td>
                                        <td>{format!("{} {}×", d.comparator.as_str(), format_value(d.threshold))}</td>
                                        <td>{windows}</td>
                                        <td>{state}</td>
                                        <td><a href=format!("/alerts/rules/{}?hours=720&backtest=1", rule.id)>"Backtest 30 days"</a></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
