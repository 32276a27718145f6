//! The three charts (latency percentiles, throughput, error rate), all drawn
//! from one series that the Live toggle can extend.

use chrono::Duration;
use leptos::prelude::*;

use super::live::LiveToggle;
use crate::components::chart::{ChartLine, LineChart};
use crate::metrics::LatencyPoint;
use crate::metrics::pages::PerformanceReport;

#[component]
pub fn Charts(report: PerformanceReport) -> impl IntoView {
    let step_secs = report.step_secs.max(1);
    let series = RwSignal::new(report.series);
    let line = move |name: &'static str, value: fn(&LatencyPoint, f64) -> f64| ChartLine {
        name,
        points: series.with(|points| {
            points
                .iter()
                .map(|p| (p.t.timestamp_millis(), value(p, step_secs as f64)))
                .collect()
        }),
    };
    let latency = Signal::derive(move || {
        vec![
            line("P50", |p, _| p.p50_ms),
            line("P95", |p, _| p.p95_ms),
            line("P99", |p, _| p.p99_ms),
        ]
    });
    let throughput = Signal::derive(move || vec![line("Requests/s", |p, step| p.count as f64 / step)]);
    let error_rate = Signal::derive(move || {
        vec![line("Error rate", |p, _| {
            if p.count > 0 {
                100.0 * p.errors as f64 / p.count as f64
            } else {
                0.0
            }
        })]
    });
    // Live minutes make sense only where a point is a minute of the whole service.
    let live_service = report
        .service
        .clone()
        .filter(|_| step_secs == 60 && report.endpoint.is_none())
        .zip(report.range.span());
    view! {
        <section class="panel" aria-labelledby="charts-heading">
            <div class="panel-head">
                <h2 id="charts-heading">"Charts"</h2>
                {live_service.map(|(service, span)| view! { <LiveToggle service series keep=span + Duration::minutes(1) /> }.into_any())}
            </div>
            <div class="charts">
                {view! { <LineChart id="latency-chart" title="Latency" unit="ms" lines=latency /> }.into_any()}
                {view! { <LineChart id="throughput-chart" title="Throughput" unit="requests/s" lines=throughput /> }.into_any()}
                {view! { <LineChart id="error-rate-chart" title="Error rate" unit="%" lines=error_rate /> }.into_any()}
            </div>
        </section>
    }
}
