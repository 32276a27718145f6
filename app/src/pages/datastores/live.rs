//! The Data stores page's Live toggle: while on, an `EventSource` on
//! `/api/v1/live?stores=only` hands each collector round's `samples` to
//! the page, whose charts draw them after the server's points and slide
//! their window along. Off, the charts stay as the server sent them. It
//! exists only with JavaScript, so it is rendered after hydration.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::components::chart::ChartLine;
use crate::components::live_stream::{LiveCheckbox, LiveState};
use crate::datastores::view::Chart;
use crate::metrics::MetricSample;

/// Live samples kept for the charts (a few hours of rounds of both stores).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const KEEP: usize = 20_000;

#[component]
pub fn LiveToggle(live: RwSignal<Vec<MetricSample>>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(LiveState::Off);
    #[cfg(feature = "hydrate")]
    crate::components::live_stream::follow(
        "/api/v1/live?stores=only".to_string(),
        "samples",
        state,
        move |samples: Vec<MetricSample>| {
            live.update(|kept| {
                kept.extend(samples);
                let excess = kept.len().saturating_sub(KEEP);
                kept.drain(..excess);
            });
        },
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    let status = move || match state.get() {
        LiveState::Off => None,
        LiveState::Connecting => Some(("live-status muted", "Connecting…")),
        LiveState::Streaming => Some(("live-status live-on", "Streaming each reading")),
        LiveState::Unavailable => Some(("live-status error", "Live updates unavailable")),
    };
    view! {
        <Show when=move || hydrated.get()>
            <div class="live-toggle" data-testid="datastores-live">
                <LiveCheckbox state />
                {move || status().map(|(class, text)| view! { <span class=class role="status">{text}</span> })}
            </div>
        </Show>
    }
}

/// `lines` (the server's, for `chart` of `service`) with each live sample
/// of its series appended, drawn as the chart draws its points.
pub fn with_live(mut lines: Vec<ChartLine>, chart: &Chart, service: &str, live: &[MetricSample]) -> Vec<ChartLine> {
    for sample in live.iter().filter(|sample| sample.service == service) {
        let newest = |line: &ChartLine| line.points.last().map(|(t, _)| *t);
        for (line, (_, series)) in lines.iter_mut().zip(chart.lines) {
            let at = sample.ts.timestamp_millis();
            if series.matches(&sample.name, &sample.labels) && newest(line).is_none_or(|t| t < at) {
                line.points.push((at, chart.unit.plotted(sample.value)));
            }
        }
    }
    lines
}

/// The live samples a page's charts draw (filled by [`LiveToggle`]) and
/// the charts' window over `[from, to]`, sliding along with them.
pub fn follow_window(from: DateTime<Utc>, to: DateTime<Utc>) -> (RwSignal<Vec<MetricSample>>, Signal<(i64, i64)>) {
    let chosen = (from.timestamp_millis(), to.timestamp_millis());
    let live = RwSignal::new(Vec::<MetricSample>::new());
    (live, Signal::derive(move || live.with(|live| window(chosen, live))))
}

/// The charts' window: the chosen one, or, once live samples come after
/// its end, one as long ending at the newest.
pub fn window(chosen: (i64, i64), live: &[MetricSample]) -> (i64, i64) {
    let newest = live.iter().map(|sample| sample.ts.timestamp_millis()).max();
    match newest {
        Some(newest) if newest > chosen.1 => (newest - (chosen.1 - chosen.0), newest),
        _ => chosen,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::datastores::view::POSTGRES;
    use crate::metrics::MetricKind;

    fn sample(service: &str, name: &str, state: Option<&str>, ms: i64, value: f64) -> MetricSample {
        MetricSample {
            service: service.to_string(),
            name: name.to_string(),
            value,
            labels: state
                .map(|s| BTreeMap::from([("state".to_string(), s.to_string())]))
                .unwrap_or_default(),
            ts: Utc.timestamp_millis_opt(ms).single().expect("ts"),
            kind: MetricKind::Gauge,
        }
    }

    #[test]
    fn live_samples_extend_their_series_lines_only() {
        let chart = POSTGRES
            .charts
            .iter()
            .find(|chart| chart.lines.iter().any(|(_, s)| s.label == Some(("state", "active"))))
            .expect("a chart of connections by state");
        let lines: Vec<ChartLine> = chart
            .lines
            .iter()
            .map(|(name, _)| ChartLine {
                name,
                points: vec![(1_000, 1.0)],
            })
            .collect();
        let (_, active) = chart
            .lines
            .iter()
            .find(|(_, s)| s.label == Some(("state", "active")))
            .expect("active");
        let live = [
            sample("opsdeck-postgres", active.metric, Some("active"), 2_000, 4.0),
            sample("opsdeck-redis", active.metric, Some("active"), 3_000, 9.0),
            sample("opsdeck-postgres", active.metric, Some("active"), 500, 7.0),
        ];
        let drawn = with_live(lines, chart, "opsdeck-postgres", &live);
        let index = chart.lines.iter().position(|(_, s)| s == active).expect("index");
        assert_eq!(
            drawn[index].points,
            vec![(1_000, 1.0), (2_000, 4.0)],
            "newer only, own store only"
        );
        let others: usize = drawn.iter().map(|line| line.points.len()).sum();
        assert_eq!(others, chart.lines.len() + 1);
    }

    #[test]
    fn the_window_slides_once_live_samples_pass_its_end() {
        assert_eq!(window((0, 100), &[]), (0, 100));
        let live = [sample("s", "m", None, 150, 1.0)];
        assert_eq!(window((0, 100), &live), (50, 150));
    }
}
