//! The rule editor's log query field (aggregation "Matching log lines"):
//! the query, the language in one line, and a link to the lines it counts.

use leptos::prelude::*;

use crate::alerts::form::RuleForm;
use crate::components::field::{Field, FieldMarks};
use crate::components::logs_link::LogsLink;
use crate::error::AppError;
use crate::logs::search::{LogFilter, service_term};

/// A log rule's query, with the language in one line and a link to the
/// lines it counts on the Logs page (for readers who may open it).
#[component]
pub fn LogQueryField(form: RuleForm, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let href = logs_href(&form.service, &form.log_query);
    let value = form.log_query;
    view! {
        <Field id="rule-log_query" name="log_query" posted_as="rule[log_query]" label="Log query" error
            hint=LOG_QUERY_HINT
            control=move |m: FieldMarks| view! {
                <input id=m.id type="text" name=m.name value=value autocomplete="off" spellcheck="false"
                    aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
            } />
        <p class="hint"><LogsLink href label="Open the lines it counts in Logs (the last hour)" /></p>
    }
}

/// How a log rule's query reads, in one line.
const LOG_QUERY_HINT: &str = "Counts the service's lines matching it, as on the Logs page: words and \"phrases\" \
     (all required), -word to exclude, level>=warn, host:web-1, attr.key:value; empty counts every line. \
     A window without lines counts 0, so \"< 1\" fires when a heartbeat line stops.";

/// The Logs page for the service's lines matching `query` over the last hour.
fn logs_href(service: &str, query: &str) -> String {
    let service = service.trim();
    let query = [
        (!service.is_empty()).then(|| service_term(service)),
        Some(query.trim().to_string()),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    LogFilter {
        q: Some(query),
        range: Some("1h".into()),
        ..LogFilter::default()
    }
    .href()
}
