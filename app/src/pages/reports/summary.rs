//! The report's key numbers, above its tables: incidents with their mean
//! times to acknowledge and resolve, deployments with how many were worse
//! and the change failure rate, backups' success rate.

use leptos::prelude::*;

use crate::components::short_time::span;
use crate::pages::performance::numbers::percent;
use crate::reports::view::Report;

#[component]
pub fn KeyNumbers(report: Report) -> impl IntoView {
    let incidents = &report.incident_totals;
    let deployments = &report.deployment_totals;
    let (runs, succeeded) = report
        .backups
        .iter()
        .fold((0, 0), |(runs, ok), row| (runs + row.runs, ok + row.succeeded));
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".to_string());
    let measured = report.slos.iter().filter(|slo| slo.met.is_some()).count();
    let met = report.slos.iter().filter(|slo| slo.met == Some(true)).count();
    let numbers = [
        (
            "SLOs met",
            if measured > 0 {
                format!("{met} of {measured}")
            } else {
                "—".to_string()
            },
        ),
        (
            "Incidents",
            format!("{} ({} critical)", incidents.count, incidents.critical),
        ),
        ("Mean time to acknowledge", or_dash(incidents.mtta_secs.map(span))),
        ("Mean time to resolve", or_dash(incidents.mttr_secs.map(span))),
        (
            "Deployments",
            format!("{} ({} worse)", deployments.count, deployments.worse),
        ),
        (
            "Change failure rate",
            or_dash(deployments.change_failure_rate.map(percent)),
        ),
        (
            "Backups succeeded",
            or_dash((runs > 0).then(|| format!("{succeeded} of {runs} ({})", percent(succeeded as f64 / runs as f64)))),
        ),
    ];
    view! {
        <section class="panel" aria-labelledby="report-numbers-heading">
            <h2 id="report-numbers-heading">"In numbers"</h2>
            <dl class="key-numbers" data-testid="report-numbers">
                {numbers.into_iter().map(|(label, value)| view! {
                    <div><dt>{label}</dt><dd>{value}</dd></div>
                }).collect_view()}
            </dl>
            <p class="muted small">
                "Incidents: every firing of a critical or warning alert rule. A deployment is a failed change when a \
                 critical alert of its service fired, or one of its error issues regressed, within an hour of its start."
            </p>
        </section>
    }
}

/// A table's heading with its CSV download.
#[component]
pub fn TableHead(id: &'static str, title: &'static str, csv: String) -> impl IntoView {
    view! {
        <div class="panel-head">
            <h2 id=id>{title}</h2>
            <a class="no-print" href=csv download="" data-testid=format!("{id}-csv")>"Download CSV"</a>
        </div>
    }
}
