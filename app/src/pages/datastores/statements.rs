//! "Top queries" (admins and operators): Opsdeck's own Postgres's
//! statements summed over the page's range from the collector's
//! `pg_stat_statements` snapshots, sortable by a column's link (`sort=…`,
//! so it works without JavaScript). When the extension cannot be read, it
//! says how to enable it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::datastores::get_top_queries;
use crate::datastores::statements::{QuerySort, StatementsState, TopQueries, TopQuery};
use crate::metrics::window::RangeQuery;
use crate::url::query_string;

#[component]
pub fn TopQueriesPanel() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        (RangeQuery::of(&map), map.get("sort"))
    });
    let top = Resource::new(move || query.get(), |(range, sort)| get_top_queries(range, sort));
    view! {
        <section class="panel" aria-labelledby="top-queries-heading" data-testid="top-queries">
            <h2 id="top-queries-heading">"Top queries"</h2>
            <p class="muted">
                "What "<code>"pg_stat_statements"</code>" counted on Opsdeck's own Postgres over the range, from snapshots taken every 3 minutes (each keeps what grew since the one before; the totals are never reset). Query text as the extension normalises it."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading the top queries…"</p> }>
                {move || top.get().map(|result| match result {
                    Ok(top) => view! { <Body top range=query.get_untracked().0 /> }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert">{format!("Could not read the top queries: {error}")}</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

fn how_to_enable(database: &str, created: bool) -> impl IntoView + use<> {
    let create = (!created).then(|| {
        view! { <li>"Then, in database "<code>{database.to_string()}</code>", run "<code>"CREATE EXTENSION pg_stat_statements;"</code></li> }
    });
    view! {
        <ol class="muted" data-testid="statements-how-to">
            <li>"Add "<code>"shared_preload_libraries = 'pg_stat_statements'"</code>" to "<code>"postgresql.conf"</code>" and restart Postgres."</li>
            {create}
        </ol>
    }
}

#[component]
fn Body(top: TopQueries, range: RangeQuery) -> impl IntoView {
    match top.state {
        StatementsState::NotInstalled => view! {
            <p data-testid="statements-state">"The "<code>"pg_stat_statements"</code>" extension is not installed, so there are no top queries. To enable it:"</p>
            {how_to_enable(&top.database, false)}
        }
        .into_any(),
        StatementsState::NotPreloaded => view! {
            <p data-testid="statements-state">"The "<code>"pg_stat_statements"</code>" extension exists but Postgres did not preload its library, so it counts nothing. To enable it:"</p>
            {how_to_enable(&top.database, true)}
        }
        .into_any(),
        StatementsState::Unreadable(reason) => view! {
            <p class="error" role="alert" data-testid="statements-state">{format!("pg_stat_statements could not be read: {reason}")}</p>
        }
        .into_any(),
        StatementsState::Ready if top.snapshots == 0 => view! {
            <p class="muted" data-testid="statements-state">"No snapshot in this range yet: the collector takes one every 3 minutes, and the first is a baseline."</p>
        }
        .into_any(),
        StatementsState::Ready if top.rows.is_empty() => view! {
            <p class="muted" data-testid="statements-state">"No statement ran in this range."</p>
        }
        .into_any(),
        StatementsState::Ready => view! { <Table rows=top.rows sort=top.sort range /> }.into_any(),
    }
}

#[component]
fn Table(rows: Vec<TopQuery>, sort: QuerySort, range: RangeQuery) -> impl IntoView {
    let header = move |column: Option<QuerySort>, label: &'static str| match column {
        None => view! { <th scope="col">{label}</th> }.into_any(),
        Some(column) => {
            let sort_value = Some(column.as_str().to_string());
            let query = query_string(&[
                ("range", &range.range),
                ("from", &range.from),
                ("to", &range.to),
                ("sort", &sort_value),
            ]);
            let href = format!("/datastores?{query}#top-queries-heading");
            let (aria, arrow) = if column == sort {
                ("descending", " ↓")
            } else {
                ("none", "")
            };
            view! { <th scope="col" class="num" aria-sort=aria><a href=href>{label}{arrow}</a></th> }.into_any()
        }
    };
    view! {
        <div class="table-scroll">
            <table class="audit-table" data-testid="top-queries-table">
                <thead>
                    <tr>
                        {header(None, "Query")}
                        {header(None, "Database")}
                        {header(None, "User")}
                        {header(Some(QuerySort::Calls), "Calls")}
                        {header(Some(QuerySort::TotalTime), "Total time")}
                        {header(Some(QuerySort::MeanTime), "Mean time")}
                        {header(Some(QuerySort::Rows), "Rows")}
                        {header(Some(QuerySort::Reads), "Blocks read")}
                        {header(None, "Cache hits")}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let hits = row.hit_ratio().map_or_else(|| "—".to_string(), |r| format!("{:.1} %", r * 100.0));
                        view! {
                            <tr>
                                <td><code class="query-text">{row.query.clone()}</code></td>
                                <td>{row.database.clone()}</td>
                                <td>{row.user.clone()}</td>
                                <td class="num">{row.calls}</td>
                                <td class="num">{format!("{:.1} ms", row.total_ms)}</td>
                                <td class="num">{format!("{:.2} ms", row.mean_ms())}</td>
                                <td class="num">{row.rows}</td>
                                <td class="num">{row.shared_reads}</td>
                                <td class="num">{hits}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
