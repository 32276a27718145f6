//! How a chart writes its numbers: with their unit and a precision that suits
//! their size (the tooltip, the summary for screen readers and the drawing
//! without JavaScript all use these, so they agree).

/// `value` with the chart's unit, rounded to its size (`number`), no
/// trailing zeros ("42.5 ms", "174 ms", "0.23 %", "1.2 requests/s").
pub fn with_unit(value: f64, unit: &str) -> String {
    let number = number(value);
    match shown_unit(unit) {
        Some(unit) => format!("{number} {unit}"),
        None => number,
    }
}

/// The unit as written after a number; "value" (the rule preview's axis
/// name) and "" are not units.
pub fn shown_unit(unit: &str) -> Option<&str> {
    (!unit.is_empty() && unit != "value").then_some(unit)
}

/// A number rounded for reading: whole numbers from 100 up, one decimal from
/// 1, two below 1, three below 0.01; trailing zeros dropped.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let magnitude = value.abs();
    let decimals = if magnitude >= 100.0 {
        0
    } else if magnitude >= 1.0 {
        1
    } else if magnitude >= 0.01 {
        2
    } else {
        3
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    // "-0" after rounding a tiny negative number reads as a mistake.
    if text == "-0" { "0".to_string() } else { text }
}

/// Text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One row of a tooltip: the line's name, its colour and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct TipRow {
    pub name: String,
    pub colour: String,
    pub value: f64,
    /// The point is the current, still incomplete bucket.
    pub partial: bool,
}

/// The tooltip's HTML: classes only, no `style` attribute, so the page's
/// CSP (`style-src 'self'`) lets all of it through. The colour swatch is an
/// SVG `fill` (a presentation attribute, which the CSP does not govern).
pub fn tooltip_html(time: &str, unit: &str, rows: &[TipRow]) -> String {
    let mut html = format!("<div class=\"chart-tip-time\">{}</div>", escape(time));
    for row in rows {
        let note = if row.partial {
            " <span class=\"chart-tip-note\">(so far)</span>"
        } else {
            ""
        };
        html.push_str(&format!(
            "<div class=\"chart-tip-row\"><svg class=\"chart-tip-swatch\" width=\"10\" height=\"10\" aria-hidden=\"true\">\
             <circle cx=\"5\" cy=\"5\" r=\"5\" fill=\"{}\"/></svg> <span class=\"chart-tip-name\">{}</span> \
             <span class=\"chart-tip-value\">{}</span>{note}</div>",
            escape(&row.colour),
            escape(&row.name),
            escape(&with_unit(row.value, unit)),
        ));
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_to_their_size() {
        assert_eq!(number(42.5242714134422), "42.5");
        assert_eq!(number(0.22573363431151242), "0.23");
        assert_eq!(number(174.4), "174");
        assert_eq!(number(1234.6), "1235");
        assert_eq!(number(42.0), "42");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.004567), "0.005");
        assert_eq!(number(-0.0001), "0");
        assert_eq!(number(f64::NAN), "—");
    }

    #[test]
    fn values_carry_their_unit() {
        assert_eq!(with_unit(42.5242714134422, "ms"), "42.5 ms");
        assert_eq!(with_unit(0.22573363431151242, "%"), "0.23 %");
        assert_eq!(with_unit(3.0, "requests/s"), "3 requests/s");
        assert_eq!(with_unit(3.0, "value"), "3");
    }

    #[test]
    fn the_tooltip_has_no_style_attribute_and_escapes_names() {
        let html = tooltip_html(
            "2026-12-04 21:35",
            "ms",
            &[TipRow {
                name: "P50<script>".into(),
                colour: "#4e79d8".into(),
                value: 42.5242714134422,
                partial: false,
            }],
        );
        assert!(!html.contains("style="), "{html}");
        assert!(
            html.contains("P50&lt;script&gt;</span> <span class=\"chart-tip-value\">42.5 ms</span>"),
            "{html}"
        );
        let partial = tooltip_html(
            "t",
            "ms",
            &[TipRow {
                name: "P50".into(),
                colour: "#000".into(),
                value: 1.0,
                partial: true,
            }],
        );
        assert!(partial.contains("(so far)"));
    }
}
