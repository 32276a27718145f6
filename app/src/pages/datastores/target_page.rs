//! One monitored data store's page (`/datastores/target?id=…`): its
//! status with the reason, and its kind's key numbers and charts over the
//! chosen range, drawn by the same `Store` section as Opsdeck's own.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::Store;
use crate::components::range_fields::RangeFilter;
use crate::datastores::get_data_store_target;
use crate::datastores::view::{TargetPage, catalogue_of};
use crate::metrics::window::RangeQuery;

#[component]
pub fn DataStoreTargetPage() -> impl IntoView {
    let query_map = use_query_map();
    let id = Memo::new(move |_| query_map.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let query = Memo::new(move |_| RangeQuery::of(&query_map.read()));
    let page = Resource::new(
        move || (id.get(), query.get()),
        |(id, query)| async move {
            match id {
                Some(id) => get_data_store_target(id, query).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Data store" />
        <p><a href="/datastores">"← Data stores"</a></p>
        {move || {
            let query = query.get();
            let id = id.get().unwrap_or_default().to_string();
            view! {
                <section class="panel" aria-labelledby="target-picker-heading">
                    <h2 id="target-picker-heading" class="visually-hidden">"Choose a time range"</h2>
                    <RangeFilter action="/datastores/target" prefix="target" range=query.range from=query.from to=query.to>
                        <input type="hidden" name="id" value=id />
                    </RangeFilter>
                </section>
            }
        }}
        <Transition fallback=|| view! { <p class="muted">"Loading the data store…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => view! { <Target page /> }.into_any(),
                Err(error) => view! {
                    <h1>"Data store"</h1>
                    <p class="error" role="alert">{format!("Could not read this data store: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Target(page: TargetPage) -> impl IntoView {
    let (live, window) = super::live::follow_window(page.from, page.to);
    let target = page.target;
    let heading = page.range.heading(page.from, page.to);
    view! {
        <h1>{target.name.clone()}</h1>
        <p class="muted">
            {target.kind.title()}" at "<code>{target.location.clone()}</code>", read every "{target.interval_secs}
            " s into the service "<code>{target.service.clone()}</code>
            {target.from_backup.clone().map(|name| format!(" (from backup target {name})"))}
            {(!target.enabled).then_some(" — switched off")}
        </p>
        <p class="muted" data-testid="datastores-window">{heading}</p>
        <super::live::LiveToggle live />
        <Store catalogue=catalogue_of(target.kind) store=page.store window live />
    }
}
