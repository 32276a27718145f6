//! The Logs page (`/logs`; admins, operators, support): the query box and
//! time range (a plain GET form, so the URL is the permalink and the page
//! works without JavaScript), the histogram of matches by level (a bar
//! zooms into its bucket), the matching lines newest first with "Older"
//! (keyset), each expandable to its attributes with links to its context
//! and its trace; with JavaScript, a Live toggle tails matching lines as
//! they are committed. `/logs/context` and `/logs/trace` are in `context.rs`.

mod context;
mod form;
mod histogram;
mod line;
mod live;

pub use context::{LogContextPage, LogTracePage};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::logs::query::{Query, QueryError};
use crate::logs::search::{LogFilter, LogSearch};
use crate::logs::search_logs;
use form::QueryForm;
use histogram::Histogram;
use line::LineList;
use live::LiveTail;

#[component]
pub fn Logs() -> impl IntoView {
    let query_map = use_query_map();
    let filter = Memo::new(move |_| filter_from(&query_map.read()));
    // The same parser as the server's: a bad query is shown with its position
    // at once, and never sent.
    let parsed = Memo::new(move |_| Query::parse(filter.read().q.as_deref().unwrap_or_default()));
    let results = Resource::new(
        move || (filter.get(), parsed.with(Result::is_ok)),
        |(filter, ok)| async move { if ok { Some(search_logs(filter).await) } else { None } },
    );

    view! {
        <Title text="Logs" />
        <h1>"Logs"</h1>
        <QueryForm filter />
        {move || parsed.get().err().map(|error| view! { <QueryProblem query=filter.read().q.clone().unwrap_or_default() error /> })}
        <Transition fallback=|| view! { <p class="muted" role="status">"Searching the logs…"</p> }>
            {move || results.get().flatten().map(|result| match result {
                Ok(search) => view! { <Results search filter=filter.get() /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert" data-testid="logs-error">{format!("Could not search the logs: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The query the URL asks for (unknown parameters are ignored).
fn filter_from(query: &ParamsMap) -> LogFilter {
    LogFilter {
        q: query.get("q"),
        range: query.get("range"),
        from: query.get("from"),
        to: query.get("to"),
        before: query.get("before"),
    }
}

/// A refused query: the message, and the query with a marker where it went wrong.
#[component]
fn QueryProblem(query: String, error: QueryError) -> impl IntoView {
    let at = error.position.min(query.len());
    let at = (0..=at).rev().find(|i| query.is_char_boundary(*i)).unwrap_or(0);
    let (before, after) = query.split_at(at);
    let after = after.to_string();
    let before = before.to_string();
    view! {
        <div class="error query-problem" role="alert" data-testid="query-error">
            <p>{format!("This query cannot be read: {error}.")}</p>
            <pre class="query-echo"><code>{before}<mark class="query-here" aria-label="here">"▸"</mark>{after}</code></pre>
        </div>
    }
}

#[component]
fn Results(search: LogSearch, filter: LogFilter) -> impl IntoView {
    let total = search.total();
    let shown = search.lines.len();
    let lines = if total == 1 { "line" } else { "lines" };
    let summary = if !search.counted {
        "Too many lines match to count them in time; the newest are shown. Narrow the time range or add a field such as service: or level>= to count them.".to_string()
    } else if search.paged {
        format!("{total} matching {lines} in the range; older lines:")
    } else {
        format!("{total} matching {lines} in the range; newest first.")
    };
    let histogram = view! { <Histogram search=search.clone() filter=filter.clone() /> }.into_any();
    let live = view! { <LiveTail query=search.query.clone() highlights=search.highlights.clone() /> }.into_any();
    let older = search.older.map(|cursor| {
        view! { <p class="pager"><a href=filter.older_href(&cursor) rel="next" data-testid="older">"Older lines →"</a></p> }
    });
    let newest = search.paged.then(|| view! { <a href=filter.href()>"← Newest"</a> });
    let empty = (shown == 0).then(|| {
        view! {
            <div class="empty-state" data-testid="logs-empty">
                <p class="empty-title">"No lines match"</p>
                <p class="muted">"Widen the time range, or remove a word or field from the query."</p>
            </div>
        }
    });
    view! {
        {histogram}
        <section class="panel" aria-labelledby="log-lines-heading">
            <div class="panel-head">
                <h2 id="log-lines-heading">"Lines"</h2>
                <a href=filter.href() class="permalink" data-testid="permalink">"Permalink"</a>
            </div>
            <p class="muted" data-testid="logs-summary">{summary} " " {newest}</p>
            {live}
            {empty}
            <LineList lines=search.lines highlights=search.highlights marked=None />
            {older}
        </section>
    }
}
