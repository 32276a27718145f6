//! One trace (`/traces/:id`): its spans across services as a waterfall,
//! each row a bar placed by its start and length within the trace, and
//! opening to its attributes, events and status. Linked from an endpoint's
//! slowest traces on the Performance page; links to the trace's log lines.
//! Rendered with `SsrMode::Async` (whole page, then the answer), so an
//! unknown or malformed id is answered 404: under `InOrder` the status is
//! sent before the trace is read.

mod waterfall;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::logs::search::trace_href;
use crate::pages::performance::numbers::millis;
use crate::traces::{TraceView, get_trace};
use waterfall::Waterfall;

#[component]
pub fn TracePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let trace = Resource::new(move || id.get(), get_trace);
    view! {
        <Title text="Trace" />
        <p><a href="/performance">"← Performance"</a></p>
        <h1>"Trace"</h1>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the trace…"</p> }>
            {move || trace.get().map(|result| match result {
                Ok(trace) => view! { <Trace trace /> }.into_any(),
                Err(AppError::NotFound | AppError::Validation { .. }) => {
                    not_found();
                    view! {
                        <div class="empty-state" data-testid="trace-missing">
                            <p class="empty-title">"No spans of this trace are stored"</p>
                            <p class="muted">"It was never sent, or its spans are past the trace retention (Settings › Monitoring)."</p>
                        </div>
                    }.into_any()
                }
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the trace: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// Answers the page with 404 (an unknown or malformed trace id).
fn not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

#[component]
fn Trace(trace: TraceView) -> impl IntoView {
    let logs = trace_href(&trace.trace_id);
    let summary = format!(
        "{} spans · {} · {}",
        trace.rows.len() + trace.more,
        millis(trace.duration_ms),
        trace.services.join(", ")
    );
    let more = (trace.more > 0).then(|| {
        view! { <p class="notice">{format!("{} more spans are not shown (the first {} by start are).", trace.more, trace.rows.len())}</p> }
    });
    view! {
        <p><code data-testid="trace-id">{trace.trace_id.clone()}</code></p>
        <p class="muted" data-testid="trace-summary">{summary}</p>
        <p><a href=logs>"Logs of this trace"</a></p>
        {more}
        <Waterfall rows=trace.rows total_ms=trace.duration_ms />
    }
}
