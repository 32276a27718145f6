//! The report's deployments (impact verdict and, for a failed change, what
//! followed it, linking to the alert rule or the error issue) and backups
//! (per target: runs, success rate, last passed restore test).

use leptos::prelude::*;

use super::summary::TableHead;
use crate::components::short_time::ShortTime;
use crate::deployments::DeploymentFilter;
use crate::pages::performance::numbers::percent;
use crate::reports::view::{ChangeFailure, Report};

#[component]
pub fn DeploymentsTable(report: Report, csv: String) -> impl IntoView {
    let (from, to) = report.month.range_fields();
    let listed = move |service: &str| {
        DeploymentFilter {
            service: Some(service.to_string()),
            range: Some("custom".into()),
            from: Some(from.clone()),
            to: Some(to.clone()),
            ..Default::default()
        }
        .href(0)
    };
    let body = if report.deployments.is_empty() {
        view! { <p class="muted" data-testid="no-deployments">"No deployments were recorded in this month."</p> }
            .into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="audit-table report-table" data-testid="report-deployments">
                    <thead><tr>
                        <th scope="col">"Started"</th><th scope="col">"Service"</th><th scope="col">"Version"</th>
                        <th scope="col">"Status"</th><th scope="col">"Impact"</th><th scope="col">"Failed change"</th>
                    </tr></thead>
                    <tbody>
                        {report.deployments.into_iter().map(|row| {
                            let failure = match &row.failure {
                                Some(ChangeFailure::CriticalAlert { rule_id, rule, .. }) => view! {
                                    "Critical alert: "<a href=format!("/alerts/rules/{rule_id}")>{rule.clone()}</a>
                                }.into_any(),
                                Some(ChangeFailure::RegressedIssue { issue_id, .. }) => view! {
                                    "Regressed: "<a href=format!("/errors/issues/{issue_id}")>{format!("issue #{issue_id}")}</a>
                                }.into_any(),
                                None => view! { <span class="muted">"no"</span> }.into_any(),
                            };
                            view! {
                                <tr>
                                    <td><ShortTime at=row.started_at /></td>
                                    <td><a href=listed(&row.service)>{row.service.clone()}</a></td>
                                    <td>{row.version.clone()}" "<span class="muted">{row.environment.clone()}</span></td>
                                    <td>{row.status.label()}</td>
                                    <td>{if row.worse { "worse" } else { "—" }}</td>
                                    <td>{failure}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small">"Lead time for changes needs the commit time, which deployments do not record yet."</p>
        }.into_any()
    };
    view! {
        <section class="panel report-section" aria-labelledby="report-deployments-heading">
            <TableHead id="report-deployments-heading" title="Deployments" csv />
            {body}
        </section>
    }
}

#[component]
pub fn BackupsTable(report: Report, csv: String) -> impl IntoView {
    let body = if report.backups.is_empty() {
        view! { <p class="muted" data-testid="no-backups">"No backup targets."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="audit-table report-table" data-testid="report-backups">
                    <thead><tr>
                        <th scope="col">"Target"</th><th scope="col" class="num">"Runs"</th>
                        <th scope="col" class="num">"Succeeded"</th><th scope="col">"Last passed restore test"</th>
                    </tr></thead>
                    <tbody>
                        {report.backups.into_iter().map(|row| {
                            let rate = row.success_rate().map_or_else(|| "—".to_string(), percent);
                            view! {
                                <tr>
                                    <th scope="row"><a href="/backups">{row.target.clone()}</a></th>
                                    <td class="num">{row.runs.to_string()}</td>
                                    <td class="num">{format!("{} ({rate})", row.succeeded)}</td>
                                    <td>{match row.last_restore_test {
                                        Some(at) => view! { <ShortTime at /> }.into_any(),
                                        None => view! { <span class="worse">"never"</span> }.into_any(),
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel report-section" aria-labelledby="report-backups-heading">
            <TableHead id="report-backups-heading" title="Backups" csv />
            {body}
        </section>
    }
}
