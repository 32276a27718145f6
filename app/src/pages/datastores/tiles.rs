//! A tile per monitored data store (every reader of the page): its name,
//! kind and where it is, its status with the reason, linking to its page.

use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::datastores::targets::DataStoreTarget;

#[component]
pub fn TargetTiles(targets: Vec<DataStoreTarget>) -> impl IntoView {
    (!targets.is_empty()).then(|| {
        view! {
            <section class="panel" aria-labelledby="target-tiles-heading">
                <h2 id="target-tiles-heading">"Added data stores"</h2>
                <div class="cards">
                    {targets.into_iter().map(|target| view! { <Tile target /> }).collect_view()}
                </div>
            </section>
        }
    })
}

#[component]
fn Tile(target: DataStoreTarget) -> impl IntoView {
    let class = if target.enabled {
        format!("card card-{}", target.status.as_str())
    } else {
        "card card-idle".to_string()
    };
    let read = target
        .last_read
        .map(|at| format!("Last read {}", at.format("%H:%M:%S UTC")));
    view! {
        <div class=class data-testid=format!("tile-{}", target.service)>
            <div class="panel-head">
                <h3><a href=format!("/datastores/target?id={}", target.id)>{target.name.clone()}</a></h3>
                <span data-testid="store-status"><StatusBadge status=target.status /></span>
            </div>
            <p class="muted">{target.kind.title()}" · "<code>{target.location.clone()}</code></p>
            {target.reason.map(|reason| view! { <p class="muted" data-testid="store-reason">{reason}</p> })}
            {read.map(|read| view! { <p class="muted">{read}</p> })}
        </div>
    }
}
