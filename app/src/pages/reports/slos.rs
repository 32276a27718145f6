//! The report's SLOs: each one's month (SLI against the objective, budget
//! left, data coverage), linking to its page; and the last twelve months'
//! compliance, a cell per month coloured met, missed or unmeasured.

use leptos::prelude::*;

use super::summary::TableHead;
use crate::pages::performance::numbers::percent;
use crate::reports::view::{Report, SloHistory, sli_percent, verdict};

#[component]
pub fn SloTables(report: Report, csv: String, history_csv: String) -> impl IntoView {
    if report.slos.is_empty() {
        return view! {
            <section class="panel report-section" aria-labelledby="report-slos-heading">
                <TableHead id="report-slos-heading" title="Service level objectives" csv />
                <p class="muted" data-testid="no-slos">"No SLOs are defined"{report.service.map(|s| format!(" for {s}"))}". "<a class="no-print" href="/slos">"Define one"</a></p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel report-section" aria-labelledby="report-slos-heading">
            <TableHead id="report-slos-heading" title="Service level objectives" csv />
            <div class="table-scroll">
                <table class="audit-table report-table" data-testid="report-slos">
                    <thead><tr>
                        <th scope="col">"SLO"</th><th scope="col">"Service"</th><th scope="col" class="num">"Objective"</th>
                        <th scope="col" class="num">"Achieved"</th><th scope="col">"Verdict"</th>
                        <th scope="col">"Error budget"</th><th scope="col" class="num">"Data coverage"</th>
                    </tr></thead>
                    <tbody>
                        {report.slos.into_iter().map(|row| {
                            let verdict = verdict(row.met);
                            view! {
                                <tr>
                                    <th scope="row"><a href=format!("/slos/{}", row.id)>{row.name.clone()}</a></th>
                                    <td>{row.service.clone()}</td>
                                    <td class="num">{format!("{} %", row.objective)}</td>
                                    <td class="num">{row.sli.map_or_else(|| "—".to_string(), sli_percent)}</td>
                                    <td class=verdict>{verdict}</td>
                                    <td>{row.budget_left.clone()}<br /><span class="muted small">{row.time_left.clone()}</span></td>
                                    <td class="num">{percent(row.coverage)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small">"Minutes without requests are unmeasured, never counted as good; coverage is the share of the month's minutes with data."</p>
        </section>
        <History history=report.history csv=history_csv />
    }
    .into_any()
}

#[component]
fn History(history: Vec<SloHistory>, csv: String) -> impl IntoView {
    let months = history
        .first()
        .map(|row| row.months.iter().map(|(m, _, _)| *m).collect::<Vec<_>>())
        .unwrap_or_default();
    view! {
        <section class="panel report-section" aria-labelledby="report-history-heading">
            <TableHead id="report-history-heading" title="Compliance, last 12 months" csv />
            <div class="table-scroll">
                <table class="audit-table report-table history-table" data-testid="report-history">
                    <thead><tr>
                        <th scope="col">"SLO"</th>
                        {months.iter().map(|m| view! { <th scope="col" class="num">{m.short()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {history.into_iter().map(|row| view! {
                            <tr>
                                <th scope="row"><a href=format!("/slos/{}", row.id)>{row.name.clone()}</a><br /><span class="muted small">{format!("{} · {} %", row.service, row.objective)}</span></th>
                                {row.months.into_iter().map(|(month, met, achieved)| {
                                    let word = verdict(met);
                                    let title = format!("{}: {word}", month.title());
                                    view! { <td class=format!("num {word}") title=title>{achieved.map_or_else(|| "—".to_string(), sli_percent)}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small">"Green: the objective was met; red: missed; grey: unmeasured (no data, or older than the rollups' retention)."</p>
        </section>
    }
}
