use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::alerts::Severity;
use crate::alerts::api::firing_counts;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::logs_link::LinkFor;
use crate::components::status_badge::StatusBadge;
use crate::errors::tally_api::issue_tallies;
use crate::health::{HealthSnapshot, ServiceCheck, check_health};
use crate::metrics::pages::{OVERVIEW_WINDOW_MINUTES, PerformanceQuery, ServiceTile};
use crate::metrics::{is_demo_service, service_tiles};
use crate::pages::overview_errors::ErrorIssues;
use crate::pages::overview_slos::SloStrip;
use crate::pages::overview_stores::AddedDataStores;
use crate::pages::performance::NoServices;
use crate::pages::performance::numbers::{millis, percent};

/// How often the browser re-runs the health checks after hydration.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

#[component]
pub fn Overview() -> impl IntoView {
    let refreshes = RwSignal::new(0u64);
    let snapshot = Resource::new(move || refreshes.get(), |_| check_health());
    let tiles = Resource::new(move || refreshes.get(), |_| service_tiles());
    let reads_alerts = move || use_current_user().is_some_and(|u| allows(u.role, Permission::ReadAlerts));
    let firing = Resource::new(
        move || (refreshes.get(), reads_alerts()),
        |(_, reads)| async move { if reads { firing_counts().await.ok() } else { None } },
    );
    let counts_errors = move || use_current_user().is_some_and(|u| allows(u.role, Permission::CountErrors));
    let error_issues = Resource::new(
        move || (refreshes.get(), counts_errors()),
        |(_, counts)| async move { if counts { issue_tallies().await.ok() } else { None } },
    );

    // Effects run only in the browser, so the timer starts after hydration.
    Effect::new(move |_| {
        if let Ok(timer) = set_interval_with_handle(move || refreshes.update(|n| *n += 1), REFRESH_EVERY) {
            on_cleanup(move || timer.clear());
        }
    });

    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <Transition fallback=|| ()>
            {move || firing.get().flatten().map(|counts| view! { <FiringAlerts counts /> })}
        </Transition>
        <SloStrip />
        <Transition fallback=|| ()>
            {move || error_issues.get().flatten().map(|tallies| view! { <ErrorIssues tallies /> })}
        </Transition>
        <section class="panel" aria-labelledby="services-heading">
            <div class="panel-head">
                <h2 id="services-heading">"Services"</h2>
                <span class="muted">{format!("Last {OVERVIEW_WINDOW_MINUTES} minutes")}</span>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading services…"</p> }>
                {move || tiles.get().map(|result| match result {
                    Ok(tiles) if tiles.is_empty() => view! { <NoServices /> }.into_any(),
                    Ok(tiles) => view! { <ServiceTiles tiles /> }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert">{format!("Could not load the services: {error}")}</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
        <section class="panel" aria-labelledby="dependencies-heading">
            <div class="panel-head">
                <h2 id="dependencies-heading">"Opsdeck's dependencies"</h2>
                <a href="/health-checks">"History of these checks"</a>
                <LinkFor permission=Permission::ViewDataStores href="/datastores".to_string() label="In depth" testid="overview-datastores-link" />
                <button type="button" on:click=move |_| refreshes.update(|n| *n += 1)>
                    "Refresh now"
                </button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Checking Postgres and Redis…"</p> }>
                {move || snapshot.get().map(|result| match result {
                    Ok(snapshot) => view! { <HealthCards snapshot /> }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert">{format!("Could not run the health checks: {error}")}</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
        <AddedDataStores refreshes />
    }
}

#[component]
fn HealthCards(snapshot: HealthSnapshot) -> impl IntoView {
    let services = snapshot.readiness.services;
    view! {
        <div class="cards">
            <ServiceCard name="Postgres" check=services.database />
            <ServiceCard name="Redis" check=services.redis />
        </div>
        <p class="muted" data-testid="checked-at">
            "Checked at "
            <time datetime=snapshot.checked_at.to_rfc3339()>
                {snapshot.checked_at.format("%H:%M:%S UTC").to_string()}
            </time>
        </p>
    }
}

#[component]
fn ServiceCard(name: &'static str, check: ServiceCheck) -> impl IntoView {
    view! {
        <article class=format!("card card-{}", check.status.as_str()) aria-label=name>
            <h3>{name}</h3>
            <StatusBadge status=check.status />
            <dl>
                <dt>"Response time"</dt>
                <dd>{format!("{} ms", check.response_time)}</dd>
                <dt>"Detail"</dt>
                <dd>{check.message}</dd>
            </dl>
        </article>
    }
}

#[component]
fn ServiceTiles(tiles: Vec<ServiceTile>) -> impl IntoView {
    let demo = tiles.iter().any(|tile| is_demo_service(&tile.service));
    // One line under the tiles when they share their thresholds; else each tile says its own.
    let shared = tiles
        .first()
        .map(|tile| tile.thresholds)
        .filter(|first| tiles.iter().all(|tile| tile.thresholds == *first));
    let each = shared.is_none();
    view! {
        {demo.then(|| view! { <DemoNote /> })}
        <div class="cards service-tiles">{tiles.into_iter().map(|tile| view! { <ServiceTileCard tile each /> }).collect_view()}</div>
        {shared.map(|t| view! { <p class="muted" data-testid="tile-thresholds">{t.describe()}</p> })}
    }
}

/// Says plainly that the `demo-…` services are generated traffic.
#[component]
fn DemoNote() -> impl IntoView {
    view! {
        <p class="demo-note" role="note" data-testid="demo-note">
            <strong>"Demo data. "</strong>
            "Services named "<code>"demo-…"</code>" are fictional traffic that "<code>"opsdeck demo"</code>
            " sends through the ingest API so the dashboards have something to show. "
            "Stop it by stopping that process (or start Opsdeck with "<code>"OPSDECK_DEMO=0"</code>
            " in the README's run command); its data ages out with the retention settings."
        </p>
    }
}

#[component]
fn ServiceTileCard(
    tile: ServiceTile,
    /// Whether the tile says its own thresholds (they differ between tiles).
    each: bool,
) -> impl IntoView {
    let own = each.then(|| tile.thresholds.describe());
    let href = PerformanceQuery {
        service: Some(tile.service.clone()),
        ..Default::default()
    }
    .href();
    let class = match tile.health {
        Some(status) => format!("card service-tile card-{}", status.as_str()),
        None => "card service-tile card-idle".to_string(),
    };
    let name = tile.service.clone();
    let demo = is_demo_service(&tile.service);
    view! {
        <article class=class aria-label=tile.service data-testid="service-tile">
            <h3>
                <a href=href>{name}</a>
                {demo.then(|| view! { " " <span class="badge badge-demo">"Demo data"</span> })}
            </h3>
            {match (tile.health, tile.recent) {
                (Some(status), Some(recent)) => view! {
                    <StatusBadge status />
                    <dl>
                        <dt>"Throughput"</dt>
                        <dd>{format!("{:.2} req/s", recent.throughput_per_s)}</dd>
                        <dt>"Error rate"</dt>
                        <dd>{percent(recent.error_rate)}</dd>
                        <dt>"P95"</dt>
                        <dd>{millis(recent.p95_ms)}</dd>
                    </dl>
                }.into_any(),
                _ => view! { <p class="muted">{format!("No requests in the last {OVERVIEW_WINDOW_MINUTES} minutes")}</p> }.into_any(),
            }}
            {own.map(|text| view! { <p class="muted small" data-testid="tile-thresholds">{text}</p> })}
        </article>
    }
}

/// Firing alerts per severity, linking to the Alerts page.
#[component]
fn FiringAlerts(counts: Vec<(Severity, i64)>) -> impl IntoView {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    view! {
        <section class="panel" aria-labelledby="firing-heading" data-testid="overview-alerts">
            <div class="panel-head">
                <h2 id="firing-heading">"Alerts"</h2>
                <a href="/alerts">{if total == 0 { "Nothing firing".to_string() } else { format!("{total} firing") }}</a>
            </div>
            <dl class="key-numbers">
                {counts.into_iter().map(|(severity, count)| view! {
                    <div data-testid=format!("overview-firing-{}", severity.as_str())>
                        <dt>{format!("Firing {}", severity.as_str())}</dt>
                        <dd>{count.to_string()}</dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
    }
}
