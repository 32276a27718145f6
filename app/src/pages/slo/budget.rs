//! An SLO's budget as the pages show it: a coloured badge (the list, the
//! Overview), and the panel with the figures, the chart of the budget left
//! over the window and the sentence that says how it was computed.

use leptos::prelude::*;

use crate::components::chart::{ChartLine, LineChart};
use crate::slo::budget::{Budget, BudgetStatus, decimal};
use crate::slo::views::SloDetail;

/// "45.9 % left" on green, amber under 25 %, red when exhausted; grey when
/// unmeasured. The colour repeats what the words say.
#[component]
pub fn BudgetBadge(budget: Budget) -> impl IntoView {
    let status = budget.status();
    let class = match status {
        BudgetStatus::Healthy => "badge badge-up",
        BudgetStatus::Low => "badge badge-degraded",
        BudgetStatus::Exhausted => "badge badge-down",
        BudgetStatus::Unmeasured => "badge badge-quiet",
    };
    view! { <span class=class data-budget=status.as_str()>{budget.percent_left()}</span> }
}

/// The burn rate as people read it: "2.5×", "—" without requests in the last hour.
pub fn burn(budget: &Budget) -> String {
    budget
        .burn_rate
        .map_or_else(|| "—".to_string(), |rate| format!("{}×", decimal(rate)))
}

/// The share of good events: "99.95 %", "—" without events.
pub fn sli(budget: &Budget) -> String {
    budget.sli().map_or_else(
        || "—".to_string(),
        |sli| format!("{} %", crate::alerts::rule::format_value(sli * 100.0)),
    )
}

#[component]
pub fn BudgetPanel(detail: SloDetail) -> impl IntoView {
    let budget = detail.row.budget.clone();
    let line = ChartLine {
        name: "Budget left",
        points: budget.series.clone(),
    };
    let range = (budget.from.timestamp_millis(), budget.to.timestamp_millis());
    view! {
        <section class="panel" aria-labelledby="budget-heading" data-testid="slo-budget">
            <h2 id="budget-heading">"Error budget"</h2>
            <dl class="slo-figures">
                <div><dt>"Budget left"</dt><dd><BudgetBadge budget=budget.clone() /></dd></div>
                <div><dt>"As time"</dt><dd data-testid="budget-time">{budget.time_left()}</dd></div>
                <div><dt>"Measured"</dt><dd>{sli(&budget)}</dd></div>
                <div><dt>"Burn rate (last hour)"</dt><dd>{burn(&budget)}</dd></div>
            </dl>
            <LineChart id="slo-budget-chart" title="Error budget left" unit="%" lines=Signal::stored(vec![line])
                empty="No requests in this window: the budget is unmeasured"
                x_range=Signal::stored(range) step_ms=detail.step_ms />
            <p class="hint" data-testid="budget-sentence">{detail.sentence}</p>
        </section>
    }
}
