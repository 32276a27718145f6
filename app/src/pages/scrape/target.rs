//! `/settings/scrape-targets/:id`: one target's last scrape, its series'
//! latest values, its form, and delete behind a confirmation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::form::{TargetFormView, typed_form};
use super::{StatusWord, last_scrape_text, read_error};
use crate::components::form::{FormError, errors_from_query};
use crate::error::AppError;
use crate::scrape::targets::{SeriesRow, TargetDetail, TargetForm};
use crate::scrape::{DeleteScrapeTarget, SaveScrapeTarget, get_scrape_target};

#[component]
pub fn ScrapeTargetPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|v| v.parse::<i64>().ok()));
    let filter = Memo::new(move |_| query.read().get("series").unwrap_or_default());
    let save = ServerAction::<SaveScrapeTarget>::new();
    let page = Resource::new(
        move || (id.get(), filter.get(), save.version().get()),
        |(id, series, _)| async move { get_scrape_target(id.ok_or(AppError::NotFound)?, series).await },
    );
    view! {
        <p class="breadcrumb"><a href="/settings">"Settings"</a>" › "<a href="/settings/scrape-targets">"Scrape targets"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the scrape target…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(detail) => view! { <TargetView detail save filter=filter.get_untracked() /> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <Title text="Scrape target not found" /><h1>"Scrape target not found"</h1>
                    <p>"There is no such scrape target; it may have been deleted."</p>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{read_error(&error)}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn TargetView(detail: TargetDetail, save: ServerAction<SaveScrapeTarget>, filter: String) -> impl IntoView {
    let target = detail.target.clone();
    let (last, status) = last_scrape_text(&target);
    let refused = leptos_router::hooks::use_query_map().with_untracked(errors_from_query);
    let error = Signal::derive(move || save.value().get().and_then(Result::err).or_else(|| refused.clone()));
    let form = typed_form().unwrap_or_else(|| TargetForm::of(&target));
    view! {
        <Title text=format!("Scrape target {}", target.url) />
        <h1>{target.url.clone()}</h1>
        <p class="lead">{format!("Service {} · every {} s · timeout {} s", target.service, target.interval_secs, target.timeout_secs)}</p>
        <section class="panel" aria-labelledby="last-heading">
            <h2 id="last-heading">"Last scrape"</h2>
            <p data-testid="last-scrape" data-status=status>
                <StatusWord status />" "{last}
            </p>
        </section>
        <SeriesTable series=detail.series more=detail.more_series filter />
        <section class="panel" aria-labelledby="edit-heading">
            <h2 id="edit-heading">"Edit"</h2>
            <TargetFormView save id=Some(target.id) form has_token=target.has_token error />
            <DeleteButton id=target.id />
        </section>
    }
}

#[component]
fn SeriesTable(series: Vec<SeriesRow>, more: bool, filter: String) -> impl IntoView {
    let count = series.len();
    let shown = if more {
        format!("The first {count} series by name; narrow them with the filter.")
    } else {
        format!("{count} series.")
    };
    let body = if series.is_empty() {
        view! { <p class="muted" data-testid="no-series">"No series in the last 15 minutes match."</p> }.into_any()
    } else {
        let rows = series
            .into_iter()
            .map(|row| {
                view! {
                    <tr data-testid="series">
                        <td><code>{row.name}</code></td>
                        <td><code>{row.labels}</code></td>
                        <td class="number">{format_value(row.value)}</td>
                        <td>{row.at.format("%H:%M:%S UTC").to_string()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="audit-table" aria-label="Series of the target">
                    <thead><tr><th scope="col">"Series"</th><th scope="col">"Labels"</th><th scope="col">"Latest"</th>
                        <th scope="col">"At"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="series-heading">
            <h2 id="series-heading">"Series"</h2>
            <p class="muted">"Each series' latest value, as stored: counters as rates per second, histograms as \
                .count, .sum and .p50/.p95/.p99."</p>
            <form method="get" class="series-filter" role="search">
                <label for="series-filter">"Name contains"</label>" "
                <input id="series-filter" name="series" value=filter maxlength="200" />" "
                <button type="submit">"Filter"</button>
            </form>
            <p class="muted" data-testid="series-count">{shown}</p>
            {body}
        </section>
    }
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.4}")
    }
}

/// Delete, behind a confirmation.
#[component]
fn DeleteButton(id: i64) -> impl IntoView {
    let delete = ServerAction::<DeleteScrapeTarget>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if delete.value().get().is_some_and(|r| r.is_ok()) {
            let _ = window().location().set_href("/settings/scrape-targets");
        }
    });
    view! {
        <details class="confirm">
            <summary>"Delete…"</summary>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=id.to_string() />
                <p>"Stop scraping this target and delete it? Its stored samples stay until retention drops them."</p>
                <button type="submit" class="danger">"Delete target"</button>
            </ActionForm>
        </details>
        <FormError error />
    }
}
