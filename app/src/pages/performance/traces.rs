//! The chosen endpoint's slowest traces, each a link to its waterfall
//! (shown to viewers who may read traces; the report leaves it out for others).

use leptos::prelude::*;

use super::numbers::millis;
use crate::traces::{SlowTrace, page_href};

#[component]
pub fn SlowestTraces(traces: Vec<SlowTrace>) -> impl IntoView {
    let body = if traces.is_empty() {
        view! { <p class="muted">"No traces of this endpoint in this range."</p> }.into_any()
    } else {
        view! {
            <table class="audit-table endpoint-table">
                <thead>
                    <tr>
                        <th scope="col">"Duration"</th>
                        <th scope="col">"Started (UTC)"</th>
                        <th scope="col" class="num">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {traces.into_iter().map(|trace| {
                        let status = trace.http_status.map(|code| code.to_string()).unwrap_or_else(|| "—".into());
                        view! {
                            <tr class:error-row=trace.error>
                                <td><a href=page_href(&trace.trace_id)>{millis(trace.duration_ms)}</a></td>
                                <td>{trace.start_ts.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                <td class="num">{status}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="slowest-traces-heading" data-testid="slowest-traces">
            <h2 id="slowest-traces-heading">"Slowest traces"</h2>
            {body}
        </section>
    }
}
