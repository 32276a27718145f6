//! The Overview's SLO strip: each service's SLOs with the budget left
//! (green, amber under 25 %, red when exhausted, grey when unmeasured),
//! for the roles that read SLOs. Loaded once: a budget over days moves slowly.

use leptos::prelude::*;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::pages::slo::BudgetBadge;
use crate::slo::api::slo_strip;
use crate::slo::views::SloRow;

#[component]
pub fn SloStrip() -> impl IntoView {
    let reads = move || use_current_user().is_some_and(|u| allows(u.role, Permission::ReadSlos));
    let rows = Resource::new(reads, |reads| async move {
        if reads { slo_strip().await.ok() } else { None }
    });
    view! {
        <Transition fallback=|| ()>
            {move || rows.get().flatten().filter(|rows| !rows.is_empty()).map(|rows| view! { <Strip rows /> })}
        </Transition>
    }
}

/// The rows grouped by service (they come ordered by service, then name).
fn by_service(rows: Vec<SloRow>) -> Vec<(String, Vec<SloRow>)> {
    let mut groups: Vec<(String, Vec<SloRow>)> = Vec::new();
    for row in rows {
        match groups.last_mut() {
            Some((service, group)) if *service == row.slo.draft.service => group.push(row),
            _ => groups.push((row.slo.draft.service.clone(), vec![row])),
        }
    }
    groups
}

#[component]
fn Strip(rows: Vec<SloRow>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="slo-strip-heading" data-testid="slo-strip">
            <div class="panel-head">
                <h2 id="slo-strip-heading">"Error budgets"</h2>
                <a href="/slos">"All SLOs"</a>
            </div>
            <ul class="slo-strip">
                {by_service(rows).into_iter().map(|(service, group)| view! {
                    <li>
                        <strong>{service}</strong>
                        {group.into_iter().map(|row| view! {
                            " "<a href=format!("/slos/{}", row.slo.id)>{row.slo.draft.name.clone()}</a>" "<BudgetBadge budget=row.budget />
                        }).collect_view()}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
