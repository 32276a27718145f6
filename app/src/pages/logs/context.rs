//! `/logs/context?id=…&ts=…`: the 20 lines before and after a line from the
//! same service and host, the line itself marked; `/logs/trace?id=…`:
//! every line of a trace. Both oldest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::line::LineList;
use crate::logs::search::{CONTEXT_LINES, LogContext, TRACE_LIMIT, logs_around_href, service_term};
use crate::logs::{lines_around, trace_logs};

#[component]
pub fn LogContextPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let query = query.read();
        (query.get("id").unwrap_or_default(), query.get("ts").unwrap_or_default())
    });
    let context = Resource::new(move || asked.get(), |(id, ts)| lines_around(id, ts));
    view! {
        <Title text="Log context" />
        <p><a href="/logs">"← Logs"</a></p>
        <h1>"Lines around a line"</h1>
        <p class="muted">{format!("Up to {CONTEXT_LINES} lines before and after the marked line, from the same service and host, oldest first.")}</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the lines…"</p> }>
            {move || context.get().map(|result| match result {
                Ok(context) => view! { <Lines context /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the lines: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
pub fn LogTracePage() -> impl IntoView {
    let query = use_query_map();
    let trace_id = Memo::new(move |_| query.read().get("id").unwrap_or_default());
    let lines = Resource::new(move || trace_id.get(), trace_logs);
    view! {
        <Title text="Trace logs" />
        <p><a href="/logs">"← Logs"</a></p>
        <h1>"Lines of a trace"</h1>
        <p class="muted"><code>{move || trace_id.get()}</code></p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the lines…"</p> }>
            {move || lines.get().map(|result| match result {
                Ok(context) => view! { <Lines context /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the lines: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Lines(context: LogContext) -> impl IntoView {
    let truncated = context
        .truncated
        .then(|| view! { <p class="notice">{format!("Only the first {TRACE_LIMIT} lines are shown.")}</p> });
    let search_service = context
        .anchor
        .and_then(|id| context.lines.iter().find(|line| line.id == id))
        .map(|line| {
            let href = logs_around_href(&service_term(&line.service), line.ts, 15);
            view! { <p><a href=href>"Search this service ±15 minutes around the line"</a></p> }
        });
    let empty = context
        .lines
        .is_empty()
        .then(|| view! { <p class="empty-state" data-testid="logs-empty">"No lines found."</p> });
    view! {
        {truncated}
        {search_service}
        {empty}
        <section class="panel">
            <LineList lines=context.lines highlights=Vec::new() marked=context.anchor />
        </section>
    }
}
