//! The Data stores page (`/datastores`): Opsdeck's own Postgres and Redis
//! in depth — per store its status (down when its last reading failed,
//! saying why; degraded while one of its alert rules fires), key numbers
//! and charts over the chosen range; for admins and operators also what
//! runs on them now (`activity.rs`) and their top queries
//! (`statements.rs`). Managers see the status, numbers and
//! charts only. Driven by the URL's query; readable without JavaScript.
//!
//! The data stores admins added get a tile each (`tiles.rs`) and a page of
//! their own (`target_page.rs`); admins manage them here (`manage.rs`,
//! `rows.rs`).

mod actions;
mod activity;
mod live;
mod manage;
mod rows;
mod statements;
mod target_page;
mod tiles;

pub use target_page::DataStoreTargetPage;
pub use tiles::TargetTiles;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::chart::{ChartLine, LineChart};
use crate::components::range_fields::RangeFilter;
use crate::components::status_badge::StatusBadge;
use crate::datastores::get_data_stores;
use crate::datastores::view::{CATALOGUES, Catalogue, DataStores, StoreView};
use crate::metrics::MetricSample;
use crate::metrics::window::RangeQuery;

#[component]
pub fn DataStoresPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| RangeQuery::of(&query_map.read()));
    let actions = actions::TargetActions::new();
    provide_context(actions);
    let stores = Resource::new(
        move || (query.get(), actions.changes()),
        |(query, _)| get_data_stores(query),
    );
    let inspects = move || use_current_user().is_some_and(|u| allows(u.role, Permission::InspectDataStores));
    let manages = move || use_current_user().is_some_and(|u| allows(u.role, Permission::ManageDataStores));
    view! {
        <Title text="Data stores" />
        <h1>"Data stores"</h1>
        <p class="muted">
            "Opsdeck's own Postgres and Redis, read every "<code>"OPSDECK_COLLECT_SECS"</code>
            " seconds into its metrics (services "<code>"opsdeck-postgres"</code>" and "<code>"opsdeck-redis"</code>
            "): alert rules and charts work on them like on any service's."
        </p>
        {move || {
            let query = query.get();
            view! {
                <section class="panel" aria-labelledby="datastores-picker-heading">
                    <h2 id="datastores-picker-heading" class="visually-hidden">"Choose a time range"</h2>
                    <RangeFilter action="/datastores" prefix="datastores" range=query.range from=query.from to=query.to />
                </section>
            }
        }}
        <Transition fallback=|| view! { <p class="muted">"Loading the data stores…"</p> }>
            {move || stores.get().map(|result| match result {
                Ok(stores) => view! { <Stores stores /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not read the data stores: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
        {move || manages().then(|| view! { <manage::Manage /> })}
        {move || inspects().then(|| view! { <activity::Activity /> <statements::TopQueriesPanel /> })}
    }
}

#[component]
fn Stores(stores: DataStores) -> impl IntoView {
    let (live, window) = live::follow_window(stores.from, stores.to);
    let heading = stores.range.heading(stores.from, stores.to);
    view! {
        <p class="muted" data-testid="datastores-window">{heading}</p>
        <live::LiveToggle live />
        <tiles::TargetTiles targets=stores.targets />
        {CATALOGUES
            .iter()
            .zip(stores.stores)
            .map(|(catalogue, store)| view! { <Store catalogue=*catalogue store window live /> })
            .collect_view()}
    }
}

#[component]
pub(super) fn Store(
    catalogue: Catalogue,
    store: StoreView,
    window: Signal<(i64, i64)>,
    live: RwSignal<Vec<MetricSample>>,
) -> impl IntoView {
    let heading_id = format!("{}-heading", store.service);
    let service = store.service.clone();
    let labelled_by = heading_id.clone();
    let read = store
        .last_read
        .map(|at| format!("Last read {}", at.format("%H:%M:%S UTC")));
    let numbers = catalogue
        .numbers
        .iter()
        .zip(&store.numbers)
        .map(|(number, value)| {
            let shown = value.map_or_else(|| "—".to_string(), |v| number.unit.format(v));
            view! { <div><dt>{number.label}</dt><dd>{shown}</dd></div> }
        })
        .collect_view();
    let charts = catalogue
        .charts
        .iter()
        .zip(store.charts)
        .map(|(chart, lines)| {
            let lines: Vec<ChartLine> = chart
                .lines
                .iter()
                .zip(lines)
                .map(|((name, _), points)| ChartLine {
                    name,
                    points: points.into_iter().map(|(t, v)| (t, chart.unit.plotted(v))).collect(),
                })
                .collect();
            let service = service.clone();
            let lines = Signal::derive(move || live.with(|live| live::with_live(lines.clone(), chart, &service, live)));
            view! {
                <LineChart id=chart.id title=chart.title unit=chart.unit.axis() lines x_range=window />
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby=labelled_by data-testid=store.service.clone()>
            <div class="panel-head">
                <h2 id=heading_id>{catalogue.title}" "<span class="muted">{store.service.clone()}</span></h2>
                <span data-testid="store-status"><StatusBadge status=store.status /></span>
            </div>
            {store.reason.map(|reason| view! { <p class="muted" data-testid="store-reason">{reason}</p> })}
            {read.map(|read| view! { <p class="muted">{read}</p> })}
            <dl class="key-numbers" data-testid="store-numbers">{numbers}</dl>
            <div class="charts">{charts}</div>
        </section>
    }
}
