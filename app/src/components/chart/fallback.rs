//! The chart drawn on the server as a small SVG, for readers without
//! JavaScript (and until ECharts has drawn): the same lines, colours and
//! partial ends as the browser's chart, the value axis labelled with the
//! unit, the time axis's ends in UTC (the server does not know the reader's
//! time zone). Colours of the frame come from the stylesheet, so it follows
//! the theme.

use chrono::{DateTime, Utc};

use super::canvas::Canvas;
use super::format::{escape, number, shown_unit};
use super::options::colour;
use super::{ChartLine, ChartMarker};

// A small canvas (the SVG scales to the figure's width), so its 12-unit text
// stays readable at the width of a chart column.
const CANVAS: Canvas = Canvas {
    width: 440.0,
    height: 220.0,
    left: 44.0,
    right: 12.0,
    top: 26.0,
    bottom: 24.0,
};
/// Grid lines (and labelled values) of the value axis above zero.
const TICKS: i32 = 5;

/// The SVG (and its legend) as HTML. Every text from the data is escaped.
pub fn fallback_html(
    unit: &str,
    lines: &[ChartLine],
    complete: &[usize],
    markers: &[ChartMarker],
    x_range: Option<(i64, i64)>,
) -> String {
    let points = lines.iter().flat_map(|line| line.points.iter());
    let (data_min, data_max) = points
        .clone()
        .fold((i64::MAX, i64::MIN), |(lo, hi), (t, _)| (lo.min(*t), hi.max(*t)));
    let (x_min, x_max) = x_range.unwrap_or((data_min, data_max));
    let x_span = (x_max - x_min).max(1) as f64;
    let y_max = nice_ceiling(points.map(|(_, v)| *v).fold(0.0, f64::max));
    let x = |t: i64| CANVAS.left + (t - x_min) as f64 / x_span * CANVAS.plot_width();
    let y = |v: f64| CANVAS.top + (1.0 - v / y_max) * CANVAS.plot_height();
    let mut svg = CANVAS.open("chart-svg", "aria-hidden=\"true\" focusable=\"false\"");
    // The unit once, above the value axis (as the browser's chart has it).
    if let Some(unit) = shown_unit(unit) {
        svg.push_str(&format!(
            "<text class=\"chart-axis\" x=\"4\" y=\"12\">{}</text>",
            escape(unit)
        ));
    }
    for step in 0..=TICKS {
        let value = y_max * f64::from(step) / f64::from(TICKS);
        let at = y(value);
        svg.push_str(&CANVAS.grid_line(at, &number(value), at + 4.0));
    }
    svg.push_str(&CANVAS.time_ends(
        CANVAS.height - 8.0,
        &time_label(x_min, x_span),
        &time_label(x_max, x_span),
    ));
    for marker in markers.iter().filter(|m| (x_min..=x_max).contains(&m.t)) {
        let at = x(marker.t);
        svg.push_str(&format!(
            "<line class=\"chart-marker\" x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{}\" y2=\"{:.1}\"><title>{}</title></line>",
            CANVAS.top,
            CANVAS.height - CANVAS.bottom,
            escape(&marker.label),
        ));
    }
    for (index, line) in lines.iter().enumerate() {
        let whole = super::complete_points(complete, index, line);
        let path = |points: &[(i64, f64)]| {
            points
                .iter()
                .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let stroke = colour(index);
        if whole == 1 {
            let (t, v) = line.points[0];
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{stroke}\"/>",
                x(t),
                y(v)
            ));
        }
        svg.push_str(&format!(
            "<polyline class=\"chart-line\" stroke=\"{stroke}\" points=\"{}\"/>",
            path(&line.points[..whole])
        ));
        if whole < line.points.len() {
            svg.push_str(&format!(
                "<polyline class=\"chart-line chart-partial\" stroke=\"{stroke}\" points=\"{}\"/>",
                path(&line.points[whole.saturating_sub(1)..])
            ));
        }
    }
    svg.push_str("</svg><ul class=\"chart-legend\">");
    for (index, line) in lines.iter().enumerate() {
        svg.push_str(&format!(
            "<li><svg width=\"12\" height=\"4\" aria-hidden=\"true\"><rect width=\"12\" height=\"4\" fill=\"{}\"/></svg> {}</li>",
            colour(index),
            escape(line.name)
        ));
    }
    if complete
        .iter()
        .zip(lines)
        .any(|(whole, line)| *whole < line.points.len())
    {
        svg.push_str("<li class=\"muted\">dashed: the current step, still filling</li>");
    }
    svg.push_str("</ul>");
    svg
}

/// A round number at or above `max` for the top of the value axis.
fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|nice| *nice >= max)
        .unwrap_or(10.0 * magnitude)
}

fn time_label(ms: i64, span_ms: f64) -> String {
    let Some(at) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return String::new();
    };
    if span_ms > 86_400_000.0 {
        at.format("%m-%d %H:%M UTC").to_string()
    } else {
        at.format("%H:%M UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_each_line_with_its_partial_end_dashed() {
        let lines = [ChartLine {
            name: "P50",
            points: vec![(0, 40.0), (60_000, 45.0), (120_000, 3.0)],
        }];
        let html = fallback_html("ms", &lines, &[2], &[], Some((0, 180_000)));
        assert_eq!(html.matches("<polyline").count(), 2, "{html}");
        assert!(html.contains("class=\"chart-line chart-partial\""));
        assert!(html.contains(">50</text>"), "the axis top is a round 50: {html}");
        assert!(html.contains(">ms</text>"), "the unit labels the axis: {html}");
        assert!(html.contains("<li><svg"));
        assert!(html.contains("P50</li>"));
        assert!(!html.contains("style="), "the CSP allows no style attribute");
    }

    #[test]
    fn text_from_the_data_is_escaped() {
        let lines = [ChartLine {
            name: "P50",
            points: vec![(0, 1.0)],
        }];
        let markers = [ChartMarker {
            t: 0,
            label: "</svg><script>alert(1)</script>".into(),
        }];
        let html = fallback_html("ms", &lines, &[1], &markers, Some((0, 10)));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;/svg&gt;"));
    }

    #[test]
    fn the_value_axis_ends_on_a_round_number() {
        assert_eq!(nice_ceiling(42.5), 50.0);
        assert_eq!(nice_ceiling(480.0), 500.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.23), 0.25);
    }
}
