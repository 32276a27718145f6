//! The three charts (latency percentiles, throughput, error rate), all drawn
//! from one series that the Live toggle can extend, with the service's
//! deployments marked on their time axes.

use chrono::Duration;
use leptos::prelude::*;

use super::deployments::DeploymentList;
use super::live::LiveToggle;
use crate::components::chart::{ChartLine, LineChart, deployment_markers};
use crate::components::logs_link::LogsLink;
use crate::logs::search::{LogFilter, service_term};
use crate::metrics::LatencyPoint;
use crate::metrics::pages::PerformanceReport;
use crate::metrics::window::TimeRange;

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
    // The axis spans the window asked for (markers fall inside it even where
    // no request was seen), sliding with live points past its end.
    let span_ms = (report.to - report.from).num_milliseconds();
    let (to_ms, step_ms) = (report.to.timestamp_millis(), step_secs * 1000);
    let x_range = Signal::derive(move || {
        let newest = series.with(|points| points.last().map(|p| p.t.timestamp_millis() + step_ms));
        let end = newest.map_or(to_ms, |newest| newest.max(to_ms));
        (end - span_ms, end)
    });
    let markers = report
        .deployments
        .as_deref()
        .map(deployment_markers)
        .unwrap_or_default();
    // The error-rate chart's companion: the service's warnings and errors over the same window.
    let logs = report.service.as_deref().map(|service| {
        let filter = LogFilter {
            q: Some(format!("{} level>=warn", service_term(service))),
            ..LogFilter::default()
        };
        match report.range {
            TimeRange::Custom => filter.zoomed_href(report.from, report.to),
            range => LogFilter {
                range: Some(range.as_str().to_string()),
                ..filter
            }
            .href(),
        }
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
                {view! { <LineChart id="latency-chart" title="Latency" unit="ms" lines=latency markers=markers.clone() x_range step_ms /> }.into_any()}
                {view! { <LineChart id="throughput-chart" title="Throughput" unit="requests/s" lines=throughput markers=markers.clone() x_range step_ms /> }.into_any()}
                {view! { <LineChart id="error-rate-chart" title="Error rate" unit="%" lines=error_rate markers x_range step_ms /> }.into_any()}
            </div>
            {logs.map(|href| view! { <p class="chart-logs"><LogsLink href label="Warnings and errors of this service in the logs for this time range" /></p> }.into_any())}
            {report.deployments.zip(report.service).map(|(deployments, service)| view! { <DeploymentList deployments service /> }.into_any())}
        </section>
    }
}
