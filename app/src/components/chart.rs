//! A time-series line chart drawn with ECharts in the browser; charming
//! builds the options.
//!
//! The server renders only the container (and the caller renders the key
//! numbers as text), so readers without JavaScript still get the facts; after
//! hydration an effect draws the chart, and redraws it whenever `series`
//! changes (live updates). A chart with no points shows its empty state and
//! is never drawn. Markers (deployments) are vertical dashed lines on the
//! time axis, labelled with their text.

use charming::Chart;
use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisType, Tooltip, Trigger};
use charming::series::Line;
use leptos::prelude::*;
use serde_json::{Value, json};

/// Height of every chart, in CSS pixels (the width follows the container);
/// style/main.css gives `.chart-canvas` the same height (the CSP forbids inline styles).
pub const CHART_HEIGHT: u32 = 260;

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

/// The ECharts options for `lines`: a time axis in milliseconds (ECharts
/// shows it in the browser's time zone) whose labels never overlap, spanning
/// `x_range` when given, an axis tooltip with exact values, no animation
/// (live updates redraw often), and `markers` within the axis as labelled
/// vertical lines of their own legend entry.
pub fn line_chart(unit: &str, lines: &[ChartLine], markers: &[ChartMarker], x_range: Option<(i64, i64)>) -> Value {
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
    let mut options = serde_json::to_value(&chart).unwrap_or_default();
    // charming 0.6 has no `axisLabel.hideOverlap`; set it (and the range) on the JSON.
    let x_axis = match options.get_mut("xAxis") {
        Some(Value::Array(axes)) => axes.first_mut(),
        Some(axis) => Some(axis),
        None => None,
    };
    if let Some(Value::Object(x_axis)) = x_axis {
        x_axis.insert("axisLabel".into(), json!({ "hideOverlap": true }));
        if let Some((min, max)) = x_range {
            x_axis.insert("min".into(), json!(min));
            x_axis.insert("max".into(), json!(max));
        }
    }
    let shown: Vec<Value> = markers
        .iter()
        .filter(|marker| x_range.is_none_or(|(min, max)| (min..=max).contains(&marker.t)))
        .map(|marker| json!({ "name": marker.label, "xAxis": marker.t }))
        .collect();
    if !shown.is_empty()
        && let Some(options) = options.as_object_mut()
        && let Value::Array(series) = options.entry("series").or_insert_with(|| json!([]))
    {
        // Amber reads on both the light and the dark background (a canvas cannot use CSS variables).
        let colour = "#c27c0e";
        series.push(json!({
            "type": "line",
            "name": MARKERS_NAME,
            "data": [],
            "itemStyle": { "color": colour },
            "lineStyle": { "color": colour, "type": "dashed" },
            "markLine": {
                "symbol": ["none", "none"],
                "lineStyle": { "type": "dashed", "color": colour, "width": 1.5 },
                "label": { "formatter": "{b}", "position": "insideEndTop" },
                "data": shown,
            },
        }));
    }
    options
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
    /// Labelled moments (deployments) drawn as vertical lines.
    #[prop(optional)]
    markers: Vec<ChartMarker>,
    /// The time axis's extent (unix milliseconds); by default the data's.
    #[prop(optional)]
    x_range: Option<Signal<(i64, i64)>>,
) -> impl IntoView {
    let has_data = Memo::new(move |_| lines.with(|lines| has_points(lines)));
    #[cfg(feature = "hydrate")]
    draw_in_browser(id, unit, lines, markers, x_range);
    #[cfg(not(feature = "hydrate"))]
    let _ = (markers, x_range);
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
fn draw_in_browser(
    id: &'static str,
    unit: &'static str,
    lines: Signal<Vec<ChartLine>>,
    markers: Vec<ChartMarker>,
    x_range: Option<Signal<(i64, i64)>>,
) {
    let drawn = StoredValue::new_local(None::<echarts::Instance>);
    Effect::new(move |_| {
        let range = x_range.map(|range| range.get());
        let options = lines.with(|lines| has_points(lines).then(|| line_chart(unit, lines, &markers, range)));
        let Some(options) = options else { return };
        drawn.update_value(|drawn| {
            if drawn.is_none() {
                match echarts::init(id) {
                    Ok(instance) => *drawn = Some(instance),
                    Err(error) => leptos::logging::warn!("chart {id} not drawn: {error:?}"),
                }
            }
            if let Some(instance) = drawn {
                echarts::set_option(instance, &options);
            }
        });
    });
}

/// The few ECharts calls the charts need (`echarts.min.js` is on every page).
#[cfg(feature = "hydrate")]
mod echarts {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        pub type Instance;

        #[wasm_bindgen(catch, js_namespace = echarts, js_name = init)]
        fn init_at(element: &web_sys::Element, theme: &JsValue, opts: &JsValue) -> Result<Instance, JsValue>;

        #[wasm_bindgen(catch, method, js_name = setOption)]
        fn set_option_at(this: &Instance, option: &JsValue, not_merge: bool) -> Result<(), JsValue>;
    }

    pub fn init(id: &str) -> Result<Instance, JsValue> {
        let element = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id(id))
            .ok_or_else(|| JsValue::from_str("no chart element"))?;
        let opts = js_sys::JSON::parse(&format!("{{\"height\":{}}}", super::CHART_HEIGHT))?;
        init_at(&element, &JsValue::NULL, &opts)
    }

    /// Replaces the chart's options (not merged: a marker or point gone stays gone).
    pub fn set_option(instance: &Instance, options: &serde_json::Value) {
        let result = js_sys::JSON::parse(&options.to_string()).and_then(|js| instance.set_option_at(&js, true));
        if let Err(error) = result {
            leptos::logging::warn!("chart options not applied: {error:?}");
        }
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
            &[],
            None,
        );
        assert_eq!(json["animation"], false);
        assert_eq!(json["tooltip"]["trigger"], "axis");
        // charming writes a lone axis as an object, several as an array.
        let x_axis = if json["xAxis"].is_array() {
            &json["xAxis"][0]
        } else {
            &json["xAxis"]
        };
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
        let json = line_chart("ms", &[line], &markers, Some((1_000, 3_000)));
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
        let none = line_chart("ms", &[], &markers, Some((0, 10)));
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
}
