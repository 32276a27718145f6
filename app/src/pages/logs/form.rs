//! The query box and the time range: a plain GET form (the URL it leads to
//! is the permalink), with the query language explained under it.

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::components::field::{Field, FieldMarks};
use crate::components::range_fields::{RangeFields, without_empty_fields};
use crate::logs::query::MAX_QUERY_BYTES;
use crate::logs::search::LogFilter;

#[component]
pub fn QueryForm(filter: Memo<LogFilter>) -> impl IntoView {
    // Drawn again when the URL changes, so the fields show what is searched.
    move || {
        let filter = filter.get();
        let q = filter.q.clone().unwrap_or_default();
        view! {
            <section class="panel logs-query" aria-labelledby="logs-query-heading">
                <h2 id="logs-query-heading" class="visually-hidden">"Search the logs"</h2>
                <Form method="GET" action="/logs" on_form_data=without_empty_fields()>
                    <div class="filter-grid logs-query-grid">
                        <Field id="logs-q" name="q" label="Query" control=move |m: FieldMarks| view! {
                            <input id=m.id type="search" name=m.name value=q
                                maxlength=MAX_QUERY_BYTES.to_string() spellcheck="false" autocomplete="off"
                                placeholder="timeout service:checkout level>=warn" aria-describedby="logs-syntax-summary" />
                        } />
                        <RangeFields prefix="logs" range=filter.range.clone() from=filter.from.clone() to=filter.to.clone() />
                    </div>
                    <div class="filter-buttons">
                        <button type="submit">"Search"</button>
                        <a href="/logs">"Clear"</a>
                    </div>
                </Form>
                <Syntax />
            </section>
        }
    }
}

/// The query language in a few lines.
#[component]
fn Syntax() -> impl IntoView {
    let rows: [(&str, &str); 8] = [
        ("timeout", "lines containing the word, in any case"),
        (
            "\"connection reset\"",
            "the exact phrase (every word and phrase is required)",
        ),
        (
            "-healthcheck  -\"GET /ready\"",
            "without the word or phrase (any term can be excluded)",
        ),
        ("service:checkout", "from this service (exact name)"),
        ("host:web-1", "from this host or instance"),
        (
            "level>=warn  level:error",
            "by level: trace, debug, info, warn, error, fatal (also >, <, <=)",
        ),
        ("trace:4bf92f35…", "the lines of one trace (32 hex digits)"),
        (
            "attr.http.status_code:503",
            "an attribute equals the value (quote values with spaces)",
        ),
    ];
    view! {
        <details class="logs-syntax">
            <summary id="logs-syntax-summary">"Query syntax: words, \"phrases\", -exclude, service:, host:, level>=, trace:, attr.<key>:"</summary>
            <table class="syntax-table">
                <tbody>
                    {rows.into_iter().map(|(example, meaning)| view! {
                        <tr><td><code>{example}</code></td><td>{meaning}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted">"Terms are separated by spaces and all must hold. No service is needed: a query searches every service."</p>
        </details>
    }
}
