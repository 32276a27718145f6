//! An issue's last 24 hours, an event count per hour, as a small inline SVG
//! drawn on the server (no chart library, nothing to run in the browser),
//! with its numbers in words for screen readers.

use leptos::prelude::*;

const WIDTH: f64 = 72.0;
const HEIGHT: f64 = 18.0;

/// The polyline's points for `hours` (oldest first), scaled to the box.
pub fn points(hours: &[i64]) -> String {
    let highest = hours.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = WIDTH / (hours.len().max(2) - 1) as f64;
    hours
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x = i as f64 * step;
            let y = HEIGHT - 1.0 - (*n as f64 / highest) * (HEIGHT - 2.0);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `1 event`, `3 events`.
pub fn events(n: i64) -> String {
    if n == 1 {
        "1 event".to_string()
    } else {
        format!("{n} events")
    }
}

#[component]
pub fn Sparkline(hours: Vec<i64>) -> impl IntoView {
    let total: i64 = hours.iter().sum();
    let peak = hours.iter().copied().max().unwrap_or(0);
    let label = format!("{} in the last 24 hours, at most {peak} in an hour", events(total));
    view! {
        <svg class="sparkline" viewBox="0 0 72 18" width="72" height="18" role="img" aria-label=label>
            <polyline points=points(&hours) fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_spans_the_box_and_peaks_at_the_top() {
        let mut hours = vec![0; 24];
        hours[23] = 4;
        hours[0] = 2;
        let line = points(&hours);
        let pairs: Vec<&str> = line.split(' ').collect();
        assert_eq!(pairs.len(), 24);
        assert_eq!(pairs[0], "0.0,9.0");
        assert_eq!(pairs[23], "72.0,1.0");
        assert_eq!(pairs[1], "3.1,17.0");
        assert_eq!(
            points(&[0; 24]).split(' ').next(),
            Some("0.0,17.0"),
            "no events: a flat line"
        );
    }
}
