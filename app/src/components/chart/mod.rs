//! A time-series line chart: drawn with ECharts in the browser (`options`
//! writes its options as JSON), and on the server as a small SVG so readers without
//! JavaScript see it too (the SVG is hidden once ECharts has drawn).
//!
//! Each chart has a text summary for screen readers (every line's latest,
//! lowest and highest value with its unit). A chart with no points shows its
//! empty state and is never drawn. Markers (deployments) are vertical dashed
//! lines on the time axis, labelled with their text. The bucket still
//! filling (the current minute) is drawn dashed, not as a drop (`partial`).

pub mod bars;
mod canvas;
mod fallback;
pub mod format;
mod markers;
mod options;
mod partial;
mod stacked;

#[cfg(feature = "hydrate")]
mod bars_browser;
#[cfg(feature = "hydrate")]
mod browser;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub use markers::deployment_markers;
pub use options::{ChartColours, line_chart};
pub use partial::complete_counts;
pub use stacked::StackedBars;

/// Height of every chart, in CSS pixels (the width follows the container);
/// style/main.css gives `.chart-canvas` the same height (the CSP forbids inline styles).
pub const CHART_HEIGHT: u32 = 260;

/// The `<meta name=…>` whose content is the chart library's (versioned) URL:
/// the document names it (`shell`), the first chart of a page loads it.
pub const ECHARTS_META: &str = "opsdeck-echarts";

/// The legend name of the markers' series.
pub const MARKERS_NAME: &str = "Deployments";

/// One line: its legend name and its `(unix milliseconds, value)` points.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartLine {
    pub name: &'static str,
    pub points: Vec<(i64, f64)>,
}

/// A moment marked on the time axis (unix milliseconds) with a label.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartMarker {
    pub t: i64,
    pub label: String,
}

fn has_points(lines: &[ChartLine]) -> bool {
    lines.iter().any(|line| !line.points.is_empty())
}

/// How many of line `index`'s points are complete (`complete` names them
/// per line; a line it does not name is complete).
fn complete_points(complete: &[usize], index: usize, line: &ChartLine) -> usize {
    complete
        .get(index)
        .copied()
        .unwrap_or(line.points.len())
        .min(line.points.len())
}

/// What the chart shows, in words: each line's latest complete value and
/// its range, with the unit, over the time the points cover (UTC).
pub fn summary(title: &str, unit: &str, lines: &[ChartLine], complete: &[usize]) -> String {
    let mut parts = Vec::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for (index, line) in lines.iter().enumerate() {
        let whole = complete_points(complete, index, line);
        // The still-filling bucket is left out of the figures, unless it is all there is.
        let points = if whole > 0 {
            &line.points[..whole]
        } else {
            &line.points[..]
        };
        let (Some(latest), Some(first_point)) = (points.last(), points.first()) else {
            continue;
        };
        first = first.min(first_point.0);
        last = last.max(latest.0);
        let (lowest, highest) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| {
                (lo.min(*v), hi.max(*v))
            });
        parts.push(format!(
            "{} latest {}, lowest {}, highest {}",
            line.name,
            format::with_unit(latest.1, unit),
            format::with_unit(lowest, unit),
            format::with_unit(highest, unit)
        ));
    }
    if parts.is_empty() {
        return format!("{title}: no data.");
    }
    let at = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    format!("{title}, {} to {}: {}.", at(first), at(last), parts.join("; "))
}

#[component]
pub fn LineChart(
    /// The container's element id (unique on the page).
    id: &'static str,
    title: &'static str,
    /// The y axis's unit, e.g. "ms".
    unit: &'static str,
    lines: Signal<Vec<ChartLine>>,
    /// What the empty state says.
    #[prop(default = "No data in this time range")]
    empty: &'static str,
    /// Labelled moments (deployments) drawn as vertical lines.
    #[prop(optional)]
    markers: Vec<ChartMarker>,
    /// The time axis's extent (unix milliseconds); by default the data's.
    #[prop(optional)]
    x_range: Option<Signal<(i64, i64)>>,
    /// How long each point's bucket lasts (milliseconds), so the one still
    /// filling is drawn as partial; by default the smallest gap between a
    /// line's points (lines of three points or more).
    #[prop(optional)]
    step_ms: Option<i64>,
) -> impl IntoView {
    let has_data = Memo::new(move |_| lines.with(|lines| has_points(lines)));
    let now = || Utc::now().timestamp_millis();
    // Drawn once from the first points: it is hidden as soon as ECharts draws.
    let drawing = lines.with_untracked(|lines| {
        let complete = complete_counts(lines, step_ms, now());
        fallback::fallback_html(unit, lines, &complete, &markers, x_range.map(|r| r.get_untracked()))
    });
    let description = move || {
        lines.with(|lines| {
            let complete = complete_counts(lines, step_ms, now());
            summary(title, unit, lines, &complete)
        })
    };
    #[cfg(feature = "hydrate")]
    browser::draw(id, unit, lines, markers, x_range, step_ms);
    #[cfg(not(feature = "hydrate"))]
    let _ = markers;
    let caption_id = format!("{id}-title");
    let summary_id = format!("{id}-summary");
    let (labelled_by, described_by) = (caption_id.clone(), summary_id.clone());
    view! {
        <figure class="chart" aria-labelledby=labelled_by aria-describedby=described_by>
            <figcaption id=caption_id>{format!("{title} ({unit})")}</figcaption>
            <p id=summary_id class="visually-hidden" data-testid="chart-summary">{description}</p>
            <p class="chart-empty muted" hidden=move || has_data.get()>{empty}</p>
            <div id=id class="chart-canvas" data-testid="chart" aria-hidden="true" hidden=move || !has_data.get()></div>
            <div class="chart-fallback" data-testid="chart-fallback" hidden=move || !has_data.get() inner_html=drawing></div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_use_a_millisecond_time_axis_an_axis_tooltip_and_no_animation() {
        let json = line_chart(
            "ms",
            &[ChartLine {
                name: "P95",
                points: vec![(1_764_000_000_000, 12.5)],
            }],
            &[1],
            &[],
            None,
            &ChartColours::default(),
        );
        assert_eq!(json["animation"], false);
        assert_eq!(json["tooltip"]["trigger"], "axis");
        let x_axis = &json["xAxis"];
        assert_eq!(x_axis["type"], "time");
        assert_eq!(
            x_axis["axisLabel"]["hideOverlap"], true,
            "narrow charts drop overlapping labels"
        );
        assert!(x_axis.get("min").is_none(), "the data's extent without a range");
        assert_eq!(json["series"][0]["name"], "P95");
        assert_eq!(json["series"][0]["data"][0][0], 1_764_000_000_000.0);
        assert_eq!(json["series"][0]["data"][0][1], 12.5);
    }

    #[test]
    fn markers_in_the_range_become_labelled_vertical_lines() {
        let line = ChartLine {
            name: "P95",
            points: vec![(1_000, 1.0), (2_000, 2.0)],
        };
        let markers = [
            ChartMarker {
                t: 1_500,
                label: "v1.2.3".into(),
            },
            ChartMarker {
                t: 9_000,
                label: "outside".into(),
            },
        ];
        let json = line_chart(
            "ms",
            &[line],
            &[2],
            &markers,
            Some((1_000, 3_000)),
            &ChartColours::default(),
        );
        let x_axis = if json["xAxis"].is_array() {
            &json["xAxis"][0]
        } else {
            &json["xAxis"]
        };
        assert_eq!(
            (x_axis["min"].as_i64(), x_axis["max"].as_i64()),
            (Some(1_000), Some(3_000))
        );
        let series = json["series"].as_array().cloned().unwrap_or_default();
        assert_eq!(series.len(), 2);
        assert_eq!(series[1]["name"], MARKERS_NAME);
        assert_eq!(
            series[1]["markLine"]["data"],
            serde_json::json!([{ "name": "v1.2.3", "xAxis": 1_500 }])
        );
        let none = line_chart("ms", &[], &[], &markers, Some((0, 10)), &ChartColours::default());
        assert!(
            none.get("series")
                .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty)),
            "no marker in range"
        );
    }

    #[test]
    fn a_chart_without_points_is_empty() {
        assert!(!has_points(&[ChartLine {
            name: "P95",
            points: vec![]
        }]));
        assert!(has_points(&[
            ChartLine {
                name: "a",
                points: vec![]
            },
            ChartLine {
                name: "b",
                points: vec![(0, 1.0)]
            }
        ]));
    }

    #[test]
    fn the_partial_end_is_a_dashed_series_of_the_same_name_and_a_gap_in_the_line() {
        let line = ChartLine {
            name: "Requests/s",
            points: vec![(0, 10.0), (60_000, 11.0), (120_000, 2.0)],
        };
        let json = line_chart("requests/s", &[line], &[2], &[], None, &ChartColours::default());
        let series = json["series"].as_array().cloned().unwrap_or_default();
        assert_eq!(series.len(), 2);
        assert_eq!(
            series[0]["data"],
            serde_json::json!([[0, 10.0], [60_000, 11.0], [120_000, null]]),
            "every point keeps its place; the partial one is a gap"
        );
        assert_eq!(series[1]["name"], "Requests/s", "one legend entry");
        assert_eq!(series[1]["lineStyle"]["type"], "dashed");
        assert_eq!(series[1]["data"], serde_json::json!([[60_000, 11.0], [120_000, 2.0]]));
        assert_eq!(series[0]["lineStyle"]["color"], series[1]["lineStyle"]["color"]);
    }

    #[test]
    fn the_frame_takes_the_theme_colours_and_grid_lines_stay_quiet() {
        let dark = ChartColours {
            text: "rgb(230, 233, 238)".into(),
            muted: "rgb(154, 164, 178)".into(),
            grid: "rgb(45, 52, 61)".into(),
            surface: "rgb(23, 27, 33)".into(),
        };
        let json = line_chart("ms", &[], &[], &[], None, &dark);
        assert_eq!(json["legend"]["textStyle"]["color"], dark.text);
        let y_axis = if json["yAxis"].is_array() {
            &json["yAxis"][0]
        } else {
            &json["yAxis"]
        };
        assert_eq!(y_axis["splitLine"]["lineStyle"]["color"], dark.grid);
        assert_eq!(y_axis["axisLabel"]["color"], dark.muted);
        assert_eq!(json["tooltip"]["backgroundColor"], dark.surface);
        assert_eq!(json["tooltip"]["className"], "chart-tooltip");
    }

    #[test]
    fn the_summary_gives_each_line_with_its_unit_and_leaves_out_the_partial_minute() {
        let lines = [ChartLine {
            name: "P50",
            points: vec![(0, 40.0), (60_000, 42.5242714134422), (120_000, 1.0)],
        }];
        assert_eq!(
            summary("Latency", "ms", &lines, &[2]),
            "Latency, 1970-01-01 00:00 UTC to 1970-01-01 00:01 UTC: P50 latest 42.5 ms, lowest 40 ms, highest 42.5 ms."
        );
        assert_eq!(summary("Latency", "ms", &[], &[]), "Latency: no data.");
    }
}
