//! A stacked bar chart over time (the Logs page's histogram): its data, its
//! ECharts options, and the SVG drawn on the server whose bars are links, so
//! it zooms without JavaScript too (`stacked.rs` is the component,
//! `bars_browser.rs` the drawing in the browser, where a click follows the
//! bar's link).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::canvas::Canvas;
use super::format::{escape, number};
use super::options::{ChartColours, legend_and_tooltip, time_chart};

/// One layer of every bar (a level), with its own colour.
#[derive(Clone, Debug, PartialEq)]
pub struct BarLayer {
    pub name: &'static str,
    pub colour: &'static str,
    /// One value per bar.
    pub values: Vec<f64>,
}

/// Bars of equal width starting at `starts` (unix ms), each `step_ms` wide,
/// each with a link (where clicking it goes).
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub starts: Vec<i64>,
    pub step_ms: i64,
    pub layers: Vec<BarLayer>,
    pub links: Vec<String>,
}

impl Bars {
    pub fn is_empty(&self) -> bool {
        self.layers.iter().all(|layer| layer.values.iter().all(|v| *v == 0.0))
    }

    fn total(&self, index: usize) -> f64 {
        self.layers.iter().filter_map(|layer| layer.values.get(index)).sum()
    }
}

/// The ECharts options: a time axis, one stacked bar series per layer, each
/// bar in the middle of its bucket, an axis tooltip (formatted in Rust).
pub fn bar_chart(bars: &Bars, colours: &ChartColours) -> Value {
    let mut options = time_chart("lines");
    let half = bars.step_ms / 2;
    let series: Vec<Value> = bars
        .layers
        .iter()
        .map(|layer| {
            let data: Vec<Value> = bars
                .starts
                .iter()
                .zip(&layer.values)
                .map(|(start, value)| json!([start + half, value]))
                .collect();
            json!({
                "type": "bar",
                "name": layer.name,
                "stack": "levels",
                "barCategoryGap": "10%",
                "itemStyle": { "color": layer.colour },
                "data": data,
            })
        })
        .collect();
    if let Some(object) = options.as_object_mut() {
        let axis_line = json!({ "lineStyle": { "color": colours.grid } });
        let ends = (bars.starts.first(), bars.starts.last());
        let mut x_axis = json!({
            "type": "time",
            "axisLabel": { "hideOverlap": true, "color": colours.muted },
            "axisLine": axis_line,
        });
        if let (Some(first), Some(last)) = ends {
            x_axis["min"] = json!(first);
            x_axis["max"] = json!(last + bars.step_ms);
        }
        object.insert("xAxis".into(), x_axis);
        object.insert(
            "yAxis".into(),
            json!({
                "type": "value",
                "minInterval": 1,
                "axisLabel": { "color": colours.muted },
                "splitLine": { "lineStyle": { "color": colours.grid, "width": 1 } },
            }),
        );
        legend_and_tooltip(object, colours);
        object.insert("series".into(), Value::Array(series));
    }
    options
}

const CANVAS: Canvas = Canvas {
    width: 880.0,
    height: 160.0,
    left: 44.0,
    right: 8.0,
    top: 10.0,
    bottom: 22.0,
};

/// The SVG drawing: each bar a link with a title (its time and counts).
pub fn bars_svg(bars: &Bars) -> String {
    let count = bars.starts.len().max(1);
    let highest = (0..bars.starts.len())
        .map(|i| bars.total(i))
        .fold(0.0, f64::max)
        .max(1.0);
    let slot = CANVAS.plot_width() / count as f64;
    let plot = CANVAS.plot_height();
    let floor = CANVAS.top + plot;
    let mut svg = CANVAS.open("chart-svg bars-svg", "role=\"group\"");
    svg.push_str(&CANVAS.grid_line(CANVAS.top, &number(highest), CANVAS.top + 10.0));
    svg.push_str(&CANVAS.grid_line(floor, "0", floor));
    for (index, start) in bars.starts.iter().enumerate() {
        let total = bars.total(index);
        if total == 0.0 {
            continue;
        }
        let x = CANVAS.left + index as f64 * slot + slot * 0.05;
        let width = (slot * 0.9).max(1.0);
        let counts: Vec<String> = bars
            .layers
            .iter()
            .filter_map(|layer| {
                let v = layer.values.get(index).copied().unwrap_or(0.0);
                (v > 0.0).then(|| format!("{} {}", number(v), layer.name))
            })
            .collect();
        let title = format!("{}: {}", time_label(*start), counts.join(", "));
        let href = bars.links.get(index).map(String::as_str).unwrap_or("#");
        svg.push_str(&format!(
            "<a href=\"{}\"><title>{}</title>",
            escape(href),
            escape(&title)
        ));
        let mut bottom = floor;
        for layer in &bars.layers {
            let v = layer.values.get(index).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let height = v / highest * plot;
            bottom -= height;
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{bottom:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" fill=\"{}\"/>",
                layer.colour
            ));
        }
        svg.push_str("</a>");
    }
    if let (Some(first), Some(last)) = (bars.starts.first(), bars.starts.last()) {
        svg.push_str(&CANVAS.time_ends(
            CANVAS.height - 6.0,
            &time_label(*first),
            &time_label(last + bars.step_ms),
        ));
    }
    svg.push_str("</svg><ul class=\"chart-legend\">");
    for layer in &bars.layers {
        svg.push_str(&format!(
            "<li><svg width=\"12\" height=\"8\" aria-hidden=\"true\"><rect width=\"12\" height=\"8\" fill=\"{}\"/></svg> {}</li>",
            layer.colour,
            escape(layer.name)
        ));
    }
    svg.push_str("</ul>");
    svg
}

fn time_label(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> Bars {
        Bars {
            starts: vec![0, 60_000, 120_000],
            step_ms: 60_000,
            layers: vec![
                BarLayer {
                    name: "info",
                    colour: "#4e79d8",
                    values: vec![3.0, 0.0, 1.0],
                },
                BarLayer {
                    name: "error",
                    colour: "#c94f4f",
                    values: vec![1.0, 0.0, 0.0],
                },
            ],
            links: vec!["/logs?a=1&b=<x>".into(), "/b".into(), "/c".into()],
        }
    }

    #[test]
    fn options_stack_one_series_per_layer_in_the_middle_of_each_bucket() {
        let json = bar_chart(&bars(), &ChartColours::default());
        assert_eq!(json["series"][0]["type"], "bar");
        assert_eq!(json["series"][1]["stack"], "levels");
        assert_eq!(json["series"][0]["data"][1], json!([90_000, 0.0]));
        assert_eq!(json["xAxis"]["max"], 180_000);
        assert_eq!(json["tooltip"]["className"], "chart-tooltip");
    }

    #[test]
    fn every_non_empty_bar_is_an_escaped_link() {
        let svg = bars_svg(&bars());
        assert_eq!(svg.matches("<a href").count(), 2, "{svg}");
        assert!(svg.contains("href=\"/logs?a=1&amp;b=&lt;x&gt;\""), "{svg}");
        assert!(svg.contains("<title>01-01 00:00 UTC: 3 info, 1 error</title>"), "{svg}");
        assert!(!svg.contains("style="));
        assert!(!bars().is_empty());
    }
}
