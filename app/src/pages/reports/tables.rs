//! The report's performance table (each service's month against the one
//! before, linking to its chart for the month) and its incidents (linking
//! to each alert rule).

use leptos::prelude::*;

use super::summary::TableHead;
use crate::components::short_time::{ShortTime, span};
use crate::metrics::pages::PerformanceQuery;
use crate::pages::performance::numbers::{millis, percent};
use crate::reports::view::{Figures, Report};

#[component]
pub fn PerformanceTable(report: Report, csv: String) -> impl IntoView {
    let (from, to) = report.month.range_fields();
    let chart = move |service: &str| {
        PerformanceQuery {
            service: Some(service.to_string()),
            range: Some("custom".into()),
            from: Some(from.clone()),
            to: Some(to.clone()),
            ..Default::default()
        }
        .href()
    };
    let body = if report.performance.is_empty() {
        view! { <p class="muted" data-testid="no-performance">"No requests were recorded in this month."</p> }
            .into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="audit-table report-table" data-testid="report-performance">
                    <thead><tr>
                        <th scope="col">"Service"</th><th scope="col" class="num">"Requests"</th>
                        <th scope="col" class="num">"Error rate"</th><th scope="col" class="num">"P50"</th>
                        <th scope="col" class="num">"P95"</th><th scope="col" class="num">"P99"</th>
                    </tr></thead>
                    <tbody>
                        {report.performance.into_iter().map(|row| {
                            let last = row.last_month;
                            let now = row.this_month;
                            view! {
                                <tr>
                                    <th scope="row"><a href=chart(&row.service)>{row.service.clone()}</a></th>
                                    <td class="num">{now.requests.to_string()}</td>
                                    <Compared now=percent(now.error_rate()) then=last.map(|l| percent(l.error_rate())) change=change(now, last, |f| f.error_rate()) />
                                    <Compared now=millis(now.p50_ms) then=last.map(|l| millis(l.p50_ms)) change=change(now, last, |f| f.p50_ms) />
                                    <Compared now=millis(now.p95_ms) then=last.map(|l| millis(l.p95_ms)) change=change(now, last, |f| f.p95_ms) />
                                    <Compared now=millis(now.p99_ms) then=last.map(|l| millis(l.p99_ms)) change=change(now, last, |f| f.p99_ms) />
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small">"Each cell: this month, then last month's figure. Percentiles from the rollups' histograms (within 1 %)."</p>
        }.into_any()
    };
    view! {
        <section class="panel report-section" aria-labelledby="report-performance-heading">
            <TableHead id="report-performance-heading" title="Latency and errors" csv />
            {body}
        </section>
    }
}

/// `Some(true)` when the figure got worse (higher), `Some(false)` better.
fn change(now: Figures, last: Option<Figures>, value: fn(&Figures) -> f64) -> Option<bool> {
    let last = last?;
    let (now, then) = (value(&now), value(&last));
    ((now - then).abs() > then.abs() * 0.05).then_some(now > then)
}

#[component]
fn Compared(now: String, then: Option<String>, change: Option<bool>) -> impl IntoView {
    let (class, word) = match change {
        Some(true) => ("num worse", " ▲"),
        Some(false) => ("num better", " ▼"),
        None => ("num", ""),
    };
    view! {
        <td class=class>
            {now}<span aria-hidden="true">{word}</span>
            <br /><span class="muted small">{then.map_or_else(|| "no data before".to_string(), |then| format!("was {then}"))}</span>
        </td>
    }
}

#[component]
pub fn IncidentsTable(report: Report, csv: String) -> impl IntoView {
    let body = if report.incidents.is_empty() {
        view! { <p class="muted" data-testid="no-incidents">"No critical or warning alert fired in this month."</p> }
            .into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="audit-table report-table" data-testid="report-incidents">
                    <thead><tr>
                        <th scope="col">"Fired"</th><th scope="col">"Alert rule"</th><th scope="col">"Service"</th>
                        <th scope="col">"Severity"</th><th scope="col" class="num">"To acknowledge"</th>
                        <th scope="col" class="num">"To resolve"</th>
                    </tr></thead>
                    <tbody>
                        {report.incidents.into_iter().map(|incident| {
                            let acknowledged = incident.to_acknowledge().map_or_else(|| "not acknowledged".to_string(), span);
                            let resolved = incident.to_resolve().map_or_else(|| "still firing".to_string(), span);
                            view! {
                                <tr>
                                    <td><ShortTime at=incident.fired_at /></td>
                                    <td><a href=format!("/alerts/rules/{}", incident.rule_id)>{incident.rule.clone()}</a></td>
                                    <td>{incident.service.clone()}</td>
                                    <td><span class=format!("severity-{}", incident.severity.as_str())>{incident.severity.as_str()}</span></td>
                                    <td class="num">{acknowledged}</td>
                                    <td class="num">{resolved}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any()
    };
    view! {
        <section class="panel report-section" aria-labelledby="report-incidents-heading">
            <TableHead id="report-incidents-heading" title="Incidents" csv />
            {body}
        </section>
    }
}
