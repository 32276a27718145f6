//! A time-series line chart drawn with charming (ECharts) in the browser.
//!
//! The server renders only the container (and the caller renders the key
//! numbers as text), so readers without JavaScript still get the facts; after
//! hydration an effect draws the chart, and redraws it whenever `series`
//! changes (live updates). A chart with no points shows its empty state and
//! is never drawn.

use charming::Chart;
use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisType, Tooltip, Trigger};
use charming::series::Line;
use leptos::prelude::*;

/// Height of every chart, in CSS pixels (the width follows the container);
/// style/main.css gives `.chart-canvas` the same height (the CSP forbids inline styles).
pub const CHART_HEIGHT: u32 = 260;

/// One line: its legend name and its `(unix milliseconds, value)` points.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartLine {
    pub name: &'static str,
    pub points: Vec<(i64, f64)>,
}

/// The ECharts options for `lines`: a time axis in milliseconds (ECharts
/// shows it in the browser's time zone), an axis tooltip with exact values,
/// and no animation (live updates redraw often).
pub fn line_chart(unit: &str, lines: &[ChartLine]) -> Chart {
    let mut chart = Chart::new()
        .animation(false)
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("top"))
        .grid(Grid::new().left(56).right(24).top(36).bottom(28))
        .x_axis(Axis::new().type_(AxisType::Time))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit));
    for line in lines {
        let data: Vec<Vec<f64>> = line.points.iter().map(|&(t, v)| vec![t as f64, v]).collect();
        chart = chart.series(
            Line::new()
                .name(line.name)
                .show_symbol(line.points.len() < 2)
                .data(data),
        );
    }
    chart
}

fn has_points(lines: &[ChartLine]) -> bool {
    lines.iter().any(|line| !line.points.is_empty())
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
) -> impl IntoView {
    let has_data = Memo::new(move |_| lines.with(|lines| has_points(lines)));
    #[cfg(feature = "hydrate")]
    draw_in_browser(id, unit, lines);
    let caption_id = format!("{id}-title");
    let labelled_by = caption_id.clone();
    view! {
        <figure class="chart" aria-labelledby=labelled_by>
            <figcaption id=caption_id>{format!("{title} ({unit})")}</figcaption>
            <p class="chart-empty muted" hidden=move || has_data.get()>{empty}</p>
            <div
                id=id
                class="chart-canvas"
                data-testid="chart"
                hidden=move || !has_data.get()
            ></div>
        </figure>
    }
}

/// Draws once there are points, then updates the same ECharts instance.
#[cfg(feature = "hydrate")]
fn draw_in_browser(id: &'static str, unit: &'static str, lines: Signal<Vec<ChartLine>>) {
    use charming::{Echarts, WasmRenderer};
    let drawn = StoredValue::new_local(None::<Echarts>);
    Effect::new(move |_| {
        let chart = lines.with(|lines| has_points(lines).then(|| line_chart(unit, lines)));
        let Some(chart) = chart else { return };
        drawn.update_value(|drawn| match drawn {
            Some(echarts) => WasmRenderer::update(echarts, &chart),
            None => match WasmRenderer::new_opt(None, Some(CHART_HEIGHT)).render(id, &chart) {
                Ok(echarts) => *drawn = Some(echarts),
                Err(error) => leptos::logging::warn!("chart {id} not drawn: {error:?}"),
            },
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_use_a_millisecond_time_axis_an_axis_tooltip_and_no_animation() {
        let chart = line_chart(
            "ms",
            &[ChartLine {
                name: "P95",
                points: vec![(1_764_000_000_000, 12.5)],
            }],
        );
        let json = serde_json::to_value(&chart).expect("chart options serialise");
        assert_eq!(json["animation"], false);
        assert_eq!(json["tooltip"]["trigger"], "axis");
        // charming writes a lone axis as an object, several as an array.
        let x_axis = if json["xAxis"].is_array() {
            &json["xAxis"][0]
        } else {
            &json["xAxis"]
        };
        assert_eq!(x_axis["type"], "time");
        assert_eq!(json["series"][0]["name"], "P95");
        assert_eq!(json["series"][0]["data"][0][0], 1_764_000_000_000.0);
        assert_eq!(json["series"][0]["data"][0][1], 12.5);
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
}
