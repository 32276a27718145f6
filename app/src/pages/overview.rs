use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status_badge::StatusBadge;
use crate::health::{HealthSnapshot, ServiceCheck, check_health};

/// How often the browser re-runs the health checks after hydration.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

#[component]
pub fn Overview() -> impl IntoView {
    let refreshes = RwSignal::new(0u64);
    let snapshot = Resource::new(move || refreshes.get(), |_| check_health());

    // Effects run only in the browser, so the timer starts after hydration.
    Effect::new(move |_| {
        if let Ok(timer) = set_interval_with_handle(move || refreshes.update(|n| *n += 1), REFRESH_EVERY) {
            on_cleanup(move || timer.clear());
        }
    });

    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <section class="panel" aria-labelledby="dependencies-heading">
            <div class="panel-head">
                <h2 id="dependencies-heading">"Opsdeck's dependencies"</h2>
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
