//! The slowest and the most failing endpoints of the service in the window;
//! each endpoint links to the page narrowed to it.

use leptos::prelude::*;

use super::numbers::{millis, percent};
use crate::metrics::EndpointStats;
use crate::metrics::pages::{PerformanceQuery, PerformanceReport};

#[component]
pub fn EndpointTables(report: PerformanceReport, query: PerformanceQuery) -> impl IntoView {
    let service = report.service.clone();
    view! {
        <div class="endpoint-tables">
            <EndpointTable
                id="slowest"
                title="Slowest endpoints (P95)"
                empty="No requests in this time range."
                rows=report.slowest
                query=query.clone()
                service=service.clone()
            />
            <EndpointTable
                id="failing"
                title="Most failing endpoints"
                empty="No failed requests in this time range."
                rows=report.failing
                query
                service
            />
        </div>
    }
}

#[component]
fn EndpointTable(
    id: &'static str,
    title: &'static str,
    empty: &'static str,
    rows: Vec<EndpointStats>,
    query: PerformanceQuery,
    service: Option<String>,
) -> impl IntoView {
    let heading = format!("{id}-heading");
    let labelled_by = heading.clone();
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=heading>{title}</h2>
            {if rows.is_empty() {
                view! { <p class="muted">{empty}</p> }.into_any()
            } else {
                view! {
                    <table class="audit-table endpoint-table" data-testid=format!("{id}-endpoints")>
                        <thead>
                            <tr>
                                <th scope="col">"Endpoint"</th>
                                <th scope="col" class="num">"Requests"</th>
                                <th scope="col" class="num">"Error rate"</th>
                                <th scope="col" class="num">"P50"</th>
                                <th scope="col" class="num">"P95"</th>
                                <th scope="col" class="num">"P99"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let href = PerformanceQuery { service: service.clone(), endpoint: Some(row.endpoint.clone()), ..query.clone() }.href();
                                view! {
                                    <tr>
                                        <td><a href=href>{row.endpoint}</a></td>
                                        <td class="num">{row.requests.to_string()}</td>
                                        <td class="num">{percent(row.error_rate)}</td>
                                        <td class="num">{millis(row.p50_ms)}</td>
                                        <td class="num">{millis(row.p95_ms)}</td>
                                        <td class="num">{millis(row.p99_ms)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
