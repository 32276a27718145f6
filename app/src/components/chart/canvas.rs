//! The frame of a chart drawn on the server as SVG (the line charts'
//! fallback and the Logs histogram): its size, the margins around the plot,
//! and the parts every such drawing has.

use super::format::escape;

/// A drawing's size in SVG units and the margins around its plot.
pub struct Canvas {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Canvas {
    pub fn plot_width(&self) -> f64 {
        self.width - self.left - self.right
    }

    pub fn plot_height(&self) -> f64 {
        self.height - self.top - self.bottom
    }

    /// The opening `<svg>` tag, scaling to its box; `attributes` are added as given.
    pub fn open(&self, class: &str, attributes: &str) -> String {
        format!(
            "<svg class=\"{class}\" viewBox=\"0 0 {} {}\" preserveAspectRatio=\"xMinYMid meet\" {attributes}>",
            self.width, self.height
        )
    }

    /// A horizontal grid line across the plot at `y`, labelled `label` left of it.
    pub fn grid_line(&self, y: f64, label: &str, label_y: f64) -> String {
        format!(
            "<line class=\"chart-grid\" x1=\"{}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"chart-axis\" x=\"{:.1}\" y=\"{label_y:.1}\" text-anchor=\"end\">{}</text>",
            self.left,
            self.width - self.right,
            self.left - 5.0,
            escape(label),
        )
    }

    /// The time axis's first and last labels, under the plot's ends at `y`.
    pub fn time_ends(&self, y: f64, first: &str, last: &str) -> String {
        format!(
            "<text class=\"chart-axis\" x=\"{}\" y=\"{y:.1}\">{}</text>\
             <text class=\"chart-axis\" x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"end\">{}</text>",
            self.left,
            escape(first),
            self.width - self.right,
            escape(last),
        )
    }
}
