//! Settings › Scrape targets (`/settings/scrape-targets`, admins): the
//! Prometheus endpoints Opsdeck scrapes, each with its last scrape, and the
//! form adding one; `/settings/scrape-targets/:id` (`target.rs`) shows one
//! target's last scrape and series, edits it and deletes it.

mod form;
mod target;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::errors_from_query;
use crate::error::AppError;
use crate::scrape::targets::{ScrapeTarget, TargetForm};
use crate::scrape::{SaveScrapeTarget, get_scrape_targets};
use form::{TargetFormView, typed_form};
pub use target::ScrapeTargetPage;

#[component]
pub fn ScrapeTargets() -> impl IntoView {
    let save = ServerAction::<SaveScrapeTarget>::new();
    let list = Resource::new(move || save.version().get(), |_| get_scrape_targets());
    let refused = leptos_router::hooks::use_query_map().with_untracked(errors_from_query);
    let error = Signal::derive(move || save.value().get().and_then(Result::err).or_else(|| refused.clone()));
    let added = move || {
        save.value().get().and_then(Result::ok).map(|target| {
            view! { <p class="success" role="status">{format!("Added {}: its first scrape is within seconds.", target.url)}</p> }
        })
    };
    view! {
        <Title text="Scrape targets" />
        <p class="breadcrumb"><a href="/settings">"Settings"</a>" › Scrape targets"</p>
        <h1>"Scrape targets"</h1>
        <p class="muted">
            "Prometheus endpoints Opsdeck reads on their own interval (text format or OpenMetrics). Counters become "
            "rates per second, histograms and summaries count, sum and P50/P95/P99, and every scrape stores "
            <code>"up"</code>" (1 or 0), so an alert rule on "<code>"up"</code>" below 1 says a target is down."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading the scrape targets…"</p> }>
            {move || list.get().map(|result| match result {
                Ok(targets) => view! { <TargetTable targets /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not read the scrape targets: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
        <section class="panel" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a target"</h2>
            <div aria-live="polite">{added}</div>
            <TargetFormView save id=None form=typed_form().unwrap_or_else(TargetForm::new_target) error />
        </section>
    }
}

/// "3 s ago: 812 samples in 14 ms", or why it failed.
pub fn last_scrape_text(target: &ScrapeTarget) -> (String, &'static str) {
    match &target.last {
        None if target.enabled => ("not scraped yet".into(), "unknown"),
        None => ("switched off".into(), "unknown"),
        Some(last) => match &last.error {
            Some(error) => (format!("{}: {error}", last.at.format("%H:%M:%S UTC")), "down"),
            None => (
                format!(
                    "{}: {} samples in {:.0} ms",
                    last.at.format("%H:%M:%S UTC"),
                    last.samples,
                    last.duration_ms
                ),
                "up",
            ),
        },
    }
}

#[component]
fn TargetTable(targets: Vec<ScrapeTarget>) -> impl IntoView {
    if targets.is_empty() {
        return view! {
            <div class="empty-state" data-testid="no-scrape-targets">
                <p>"No scrape targets yet. Add one below, such as a node exporter at http://127.0.0.1:9100/metrics."</p>
            </div>
        }
        .into_any();
    }
    let rows = targets
        .into_iter()
        .map(|target| {
            let (last, status) = last_scrape_text(&target);
            view! {
                <tr data-testid="scrape-target" data-status=status>
                    <td><a href=format!("/settings/scrape-targets/{}", target.id)>{target.url.clone()}</a></td>
                    <td>{target.service.clone()}</td>
                    <td>{format!("{} s", target.interval_secs)}</td>
                    <td><StatusWord status /></td>
                    <td>{last}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="audit-table" aria-label="Scrape targets">
                <thead><tr><th scope="col">"URL"</th><th scope="col">"Service"</th><th scope="col">"Every"</th>
                    <th scope="col">"Status"</th><th scope="col">"Last scrape"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// "up", "down" or "unknown", coloured as the health badges (the colour
/// repeats the word).
#[component]
pub fn StatusWord(status: &'static str) -> impl IntoView {
    let class = match status {
        "up" | "down" => format!("badge badge-{status}"),
        _ => "badge".to_string(),
    };
    view! { <span class=class>{status}</span> }
}

/// The error a page shows for a failed read.
pub fn read_error(error: &AppError) -> String {
    format!("Could not read the scrape target: {error}")
}
