//! The stacked bar chart as a figure: caption, a summary for screen
//! readers, its empty state, the server's SVG until (or without) ECharts.

use leptos::prelude::*;

use super::bars::{Bars, bars_svg};

/// The chart in a figure with its caption, a summary for screen readers,
/// its empty state, and the SVG until (or without) ECharts.
#[component]
pub fn StackedBars(
    /// The container's element id (unique on the page).
    id: &'static str,
    title: &'static str,
    bars: Bars,
    /// What screen readers hear (the chart itself is hidden from them).
    summary: String,
    #[prop(default = "Nothing in this time range")] empty: &'static str,
) -> impl IntoView {
    let is_empty = bars.is_empty();
    let drawing = bars_svg(&bars);
    #[cfg(feature = "hydrate")]
    super::bars_browser::draw(id, bars);
    #[cfg(not(feature = "hydrate"))]
    let _ = bars;
    let caption_id = format!("{id}-title");
    let labelled_by = caption_id.clone();
    view! {
        <figure class="chart bars" aria-labelledby=labelled_by>
            <figcaption id=caption_id>{title}</figcaption>
            <p class="visually-hidden" data-testid="chart-summary">{summary}</p>
            <p class="chart-empty muted" hidden=!is_empty>{empty}</p>
            <div id=id class="chart-canvas bars-canvas" data-testid="chart" aria-hidden="true" hidden=is_empty></div>
            <div class="chart-fallback" data-testid="chart-fallback" hidden=is_empty inner_html=drawing></div>
        </figure>
    }
}
