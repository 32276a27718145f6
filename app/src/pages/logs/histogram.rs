//! The histogram of matching lines over the range, stacked by level; a bar
//! leads to the same query over its bucket alone (a zoom).

use chrono::Duration;
use leptos::prelude::*;

use crate::components::chart::StackedBars;
use crate::components::chart::bars::{BarLayer, Bars};
use crate::logs::Level;
use crate::logs::search::{LogFilter, LogSearch};

/// Each level's colour, reading on the light and the dark background.
pub fn level_colour(level: Level) -> &'static str {
    match level {
        Level::Trace => "#8a94a3",
        Level::Debug => "#5f8fa8",
        Level::Info => "#4e79d8",
        Level::Warn => "#d9822b",
        Level::Error => "#d64545",
        Level::Fatal => "#9b4fc9",
    }
}

#[component]
pub fn Histogram(search: LogSearch, filter: LogFilter) -> impl IntoView {
    if !search.counted {
        return view! {
            <section class="panel logs-histogram" aria-labelledby="logs-histogram-heading">
                <h2 id="logs-histogram-heading">"Matching lines over time"</h2>
                <p class="muted" data-testid="histogram-skipped">
                    "Not drawn: counting every matching line took too long. A query of fields only (service:, host:, level>=) is counted at any volume."
                </p>
            </section>
        }
        .into_any();
    }
    let step = Duration::seconds(search.step_secs.max(1));
    let layers = Level::ALL
        .into_iter()
        .map(|level| BarLayer {
            name: level.as_str(),
            colour: level_colour(level),
            values: search.buckets.iter().map(|b| b.count(level) as f64).collect(),
        })
        .collect();
    let bars = Bars {
        starts: search.buckets.iter().map(|b| b.start.timestamp_millis()).collect(),
        step_ms: step.num_milliseconds(),
        layers,
        links: search
            .buckets
            .iter()
            .map(|b| filter.zoomed_href(b.start, b.start + step))
            .collect(),
    };
    let total = search.total();
    let summary = format!(
        "{total} matching lines from {} to {}, in buckets of {}: {}.",
        search.from.format("%Y-%m-%d %H:%M UTC"),
        search.to.format("%Y-%m-%d %H:%M UTC"),
        step_words(step),
        Level::ALL
            .into_iter()
            .map(|level| format!(
                "{} {}",
                search.buckets.iter().map(|b| b.count(level)).sum::<i64>(),
                level.as_str()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    view! {
        <section class="panel logs-histogram" aria-labelledby="logs-histogram-heading">
            <h2 id="logs-histogram-heading" class="visually-hidden">"Matching lines over time"</h2>
            <StackedBars id="logs-histogram" title="Matching lines over time (click a bar to zoom in)" bars summary empty="No matching lines in this time range" />
        </section>
    }
    .into_any()
}

fn step_words(step: Duration) -> String {
    let minutes = step.num_minutes();
    match minutes {
        m if m >= 60 && m % 60 == 0 => format!("{} h", m / 60),
        m if m >= 1 => format!("{m} min"),
        _ => format!("{} s", step.num_seconds()),
    }
}
