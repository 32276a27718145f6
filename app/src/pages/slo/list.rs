//! `/slos`: every SLO with its objective, what was measured and the budget
//! left; admins and operators create them, everyone who reads them can
//! export them as YAML.

use leptos::prelude::*;
use leptos_meta::Title;

use super::budget::{BudgetBadge, burn, sli};
use crate::alerts::rule::format_value;
use crate::components::table_head::TableHead;
use crate::slo::api::list_slos;
use crate::slo::views::SloRow;
use crate::slo::{SloDraft, SloKind};

/// "99.9 % of requests not 5xx, rolling 30 days"; "99 % under 300 ms, calendar month (UTC)".
pub fn promise(draft: &SloDraft) -> String {
    let good = match (draft.kind, &draft.good_statuses, draft.threshold_ms) {
        (SloKind::Latency, _, Some(ms)) => format!("at most {} ms", format_value(ms)),
        (SloKind::Availability, Some(set), _) => format!("with status {set}"),
        _ => "not 5xx".to_string(),
    };
    format!(
        "{} % of requests {good}, {}",
        format_value(draft.objective),
        draft.window.label()
    )
}

#[component]
pub fn Slos() -> impl IntoView {
    let slos = Resource::new(|| (), |_| list_slos());
    view! {
        <Title text="SLOs" />
        <h1>"Service level objectives"</h1>
        <Transition fallback=|| view! { <p class="muted">"Counting the budgets…"</p> }>
            {move || slos.get().map(|result| match result {
                Ok(list) => view! {
                    <p class="row-actions">
                        {list.can_edit.then(|| view! { <a class="button primary" href="/slos/new">"New SLO"</a> })}
                        " "<a class="button" href="/slos/files">"YAML export and import"</a>
                    </p>
                    <SloTable rows=list.rows />
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the SLOs: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SloTable(rows: Vec<SloRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="no-slos">"No SLOs yet."</p> }.into_any();
    }
    view! {
        <table class="audit-table" data-testid="slos">
            <TableHead columns=&["SLO", "Service", "Objective", "Measured", "Budget left", "Burn rate"] />
            <tbody>
                {rows.into_iter().map(|row| {
                    let d = &row.slo.draft;
                    let scope = match &d.endpoint {
                        Some(endpoint) => format!("{} {endpoint}", d.service),
                        None => d.service.clone(),
                    };
                    view! {
                        <tr>
                            <td><a href=format!("/slos/{}", row.slo.id)>{d.name.clone()}</a></td>
                            <td>{scope}</td>
                            <td>{promise(d)}</td>
                            <td>{sli(&row.budget)}</td>
                            <td><BudgetBadge budget=row.budget.clone() />" "<span class="muted">{row.budget.time_left()}</span></td>
                            <td>{burn(&row.budget)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
