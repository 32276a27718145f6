//! The ECharts options of a line chart, written as JSON (so a partial end
//! can be a gap in its line). No chart builder crate: charming's option
//! types and their serialisers were a large part of the browser's wasm for
//! the dozen keys Opsdeck sets.

use serde_json::{Value, json};

use super::{ChartLine, ChartMarker, MARKERS_NAME};

/// Line colours, in order; each reads on the light and the dark background
/// (a canvas cannot use CSS variables). The drawing without JavaScript uses
/// the same ones.
pub const PALETTE: [&str; 4] = ["#4e79d8", "#d9822b", "#2fa36b", "#c94f7c"];

/// The id prefix of the series that draw a line's partial end; the tooltip
/// marks their values as "so far".
pub const PARTIAL_ID: &str = "partial-";

pub fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// The page's colours for what is not data (read from the CSS in the
/// browser, so the chart follows the light or dark theme).
#[derive(Clone, Debug, PartialEq)]
pub struct ChartColours {
    pub text: String,
    pub muted: String,
    pub grid: String,
    pub surface: String,
}

impl Default for ChartColours {
    /// The light theme's.
    fn default() -> Self {
        ChartColours {
            text: "#1b1f24".into(),
            muted: "#5b6470".into(),
            grid: "#d9dde3".into(),
            surface: "#ffffff".into(),
        }
    }
}

/// The ECharts options for `lines`: a time axis in milliseconds (ECharts
/// shows it in the browser's time zone) whose labels never overlap, spanning
/// `x_range` when given, an axis tooltip (its formatter is added in the
/// browser), no animation (live updates redraw often), and `markers` within
/// the axis as labelled vertical lines of their own legend entry. The points
/// of a line past `complete[i]` are drawn dashed, as a series of their own
/// with the same name (one legend entry), leaving a gap in the solid line.
pub fn line_chart(
    unit: &str,
    lines: &[ChartLine],
    complete: &[usize],
    markers: &[ChartMarker],
    x_range: Option<(i64, i64)>,
    colours: &ChartColours,
) -> Value {
    let mut options = time_chart(unit);
    let axis_line = json!({ "lineStyle": { "color": colours.grid } });
    let split_line = json!({ "lineStyle": { "color": colours.grid, "width": 1 } });
    if let Some(x_axis) = first_axis(&mut options, "xAxis") {
        x_axis.insert(
            "axisLabel".into(),
            json!({ "hideOverlap": true, "color": colours.muted }),
        );
        x_axis.insert("axisLine".into(), axis_line.clone());
        x_axis.insert("axisTick".into(), axis_line.clone());
        if let Some((min, max)) = x_range {
            x_axis.insert("min".into(), json!(min));
            x_axis.insert("max".into(), json!(max));
        }
    }
    if let Some(y_axis) = first_axis(&mut options, "yAxis") {
        y_axis.insert("axisLabel".into(), json!({ "color": colours.muted }));
        y_axis.insert("nameTextStyle".into(), json!({ "color": colours.muted }));
        y_axis.insert("axisLine".into(), axis_line);
        // Grid lines quieter than the data in both themes.
        y_axis.insert("splitLine".into(), split_line);
    }
    if let Some(object) = options.as_object_mut() {
        legend_and_tooltip(object, colours);
        object.insert("series".into(), Value::Array(series(lines, complete, markers, x_range)));
    }
    options
}

/// The frame every chart over time starts from: no animation (live updates
/// redraw often), an axis tooltip, the legend on top, a time axis, and a
/// value axis named `unit`.
pub fn time_chart(unit: &str) -> Value {
    json!({
        "animation": false,
        "tooltip": { "trigger": "axis" },
        "legend": { "top": "top" },
        "grid": { "left": 56, "right": 24, "top": 36, "bottom": 28 },
        "xAxis": { "type": "time" },
        "yAxis": { "type": "value", "name": unit },
    })
}

/// The legend above the chart and the axis tooltip, in the theme's colours
/// (every chart kind has both).
pub fn legend_and_tooltip(object: &mut serde_json::Map<String, Value>, colours: &ChartColours) {
    object.insert(
        "legend".into(),
        json!({ "top": "top", "textStyle": { "color": colours.text } }),
    );
    object.insert(
        "tooltip".into(),
        json!({
            "trigger": "axis",
            "className": "chart-tooltip",
            "backgroundColor": colours.surface,
            "borderColor": colours.grid,
            "textStyle": { "color": colours.text },
        }),
    );
}

fn first_axis<'a>(options: &'a mut Value, key: &str) -> Option<&'a mut serde_json::Map<String, Value>> {
    let axis = match options.get_mut(key) {
        Some(Value::Array(axes)) => axes.first_mut(),
        Some(axis) => Some(axis),
        None => None,
    };
    match axis {
        Some(Value::Object(axis)) => Some(axis),
        _ => None,
    }
}

fn series(lines: &[ChartLine], complete: &[usize], markers: &[ChartMarker], x_range: Option<(i64, i64)>) -> Vec<Value> {
    let mut series = Vec::new();
    let mut partial_ends = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let colour = colour(index);
        let whole = complete
            .get(index)
            .copied()
            .unwrap_or(line.points.len())
            .min(line.points.len());
        let data: Vec<Value> = line
            .points
            .iter()
            .enumerate()
            .map(|(i, &(t, v))| if i < whole { json!([t, v]) } else { json!([t, null]) })
            .collect();
        series.push(json!({
            "type": "line",
            "name": line.name,
            "showSymbol": whole < 2,
            "itemStyle": { "color": colour },
            "lineStyle": { "color": colour },
            "data": data,
        }));
        if whole < line.points.len() {
            // From the last complete point (if any) to the partial ones, dashed.
            let from = whole.saturating_sub(1);
            let data: Vec<Value> = line.points[from..].iter().map(|&(t, v)| json!([t, v])).collect();
            partial_ends.push(json!({
                "type": "line",
                "id": format!("{PARTIAL_ID}{index}"),
                "name": line.name,
                "itemStyle": { "color": colour },
                "lineStyle": { "color": colour, "type": "dashed", "opacity": 0.7 },
                "symbol": "emptyCircle",
                "data": data,
            }));
        }
    }
    series.extend(partial_ends);
    let shown: Vec<Value> = markers
        .iter()
        .filter(|marker| x_range.is_none_or(|(min, max)| (min..=max).contains(&marker.t)))
        .map(|marker| json!({ "name": marker.label, "xAxis": marker.t }))
        .collect();
    if !shown.is_empty() {
        // Amber reads on both the light and the dark background.
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
                "label": { "formatter": "{b}", "position": "insideEndTop", "color": colour },
                "data": shown,
            },
        }));
    }
    series
}
