//! The key numbers as text: what readers without JavaScript (and screen
//! readers) get instead of the charts.

use leptos::prelude::*;

use crate::metrics::pages::PerformanceReport;

#[component]
pub fn KeyNumbers(report: PerformanceReport) -> impl IntoView {
    let subject = match (&report.service, &report.endpoint) {
        (Some(service), Some(endpoint)) => format!("{service} {endpoint}"),
        (Some(service), None) => service.clone(),
        (None, _) => "—".to_string(),
    };
    let window_secs = report.window_secs();
    view! {
        <section class="panel" aria-labelledby="key-numbers-heading">
            <h2 id="key-numbers-heading">{format!("{subject} · {}", report.range.label())}</h2>
            <p class="muted">
                <time datetime=report.from.to_rfc3339()>{report.from.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
                " to "
                <time datetime=report.to.to_rfc3339()>{report.to.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
            </p>
            {match report.overall {
                None => view! { <p class="chart-empty muted" data-testid="no-requests">"No requests in this time range."</p> }.into_any(),
                Some(overall) => {
                    let error_rate = if overall.count > 0 { overall.errors as f64 / overall.count as f64 } else { 0.0 };
                    view! {
                        <dl class="key-numbers" data-testid="key-numbers">
                            <div><dt>"Requests"</dt><dd data-testid="requests">{overall.count.to_string()}</dd></div>
                            <div><dt>"Requests/s"</dt><dd>{format!("{:.2}", overall.count as f64 / window_secs)}</dd></div>
                            <div><dt>"Error rate"</dt><dd data-testid="error-rate">{percent(error_rate)}</dd></div>
                            <div><dt>"P50"</dt><dd>{millis(overall.p50_ms)}</dd></div>
                            <div><dt>"P95"</dt><dd data-testid="p95">{millis(overall.p95_ms)}</dd></div>
                            <div><dt>"P99"</dt><dd>{millis(overall.p99_ms)}</dd></div>
                        </dl>
                    }.into_any()
                }
            }}
        </section>
    }
}

pub fn millis(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// `rate` (0 to 1) as a percentage.
pub fn percent(rate: f64) -> String {
    format!("{:.1} %", rate * 100.0)
}
