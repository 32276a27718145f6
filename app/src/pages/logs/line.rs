//! One log line as the Logs pages show it: time, level, service and host,
//! the body with the query's words marked, and, opened, every attribute;
//! links to the lines around it and to its trace.

use leptos::prelude::*;

use crate::logs::LogLine;
use crate::logs::query::{attribute_text, highlight};
use crate::logs::search::{context_href, trace_href};
use crate::traces::page_href;

#[component]
pub fn LineList(
    lines: Vec<LogLine>,
    highlights: Vec<String>,
    /// The line the page is about (context): marked and opened.
    marked: Option<i64>,
) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <ol class="log-lines" data-testid="log-lines">
                {lines.into_iter().map(|line| {
                    let is_marked = marked == Some(line.id);
                    view! { <LineItem line highlights=highlights.clone() is_marked /> }
                }).collect_view()}
            </ol>
        }
    })
}

/// `2026-12-06 18:01:23.456 UTC`.
pub fn line_time(line: &LogLine) -> String {
    line.ts.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

#[component]
pub fn LineItem(line: LogLine, highlights: Vec<String>, is_marked: bool) -> impl IntoView {
    let level = line.level();
    let words: Vec<&str> = highlights.iter().map(String::as_str).collect();
    let body = highlight(&line.body, &words)
        .into_iter()
        .map(|(text, marked)| {
            if marked {
                view! { <mark>{text}</mark> }.into_any()
            } else {
                text.into_any()
            }
        })
        .collect_view();
    let context = context_href(&line);
    let trace = line.trace_id.as_deref().map(trace_href);
    // Logs readers may read traces too (the same roles).
    let waterfall = line.trace_id.as_deref().and_then(page_href);
    let class = if is_marked { "log-line log-anchor" } else { "log-line" };
    let host = (!line.host.is_empty()).then(|| view! { <span class="log-host">{line.host.clone()}</span> });
    let (id, datetime, time, service) = (
        line.id.to_string(),
        line.ts.to_rfc3339(),
        line_time(&line),
        line.service.clone(),
    );
    view! {
        <li class=class aria-current=is_marked.then_some("true") data-line-id=id>
            <details open=is_marked>
                <summary>
                    <time class="log-time" datetime=datetime>{time}</time>
                    <span class=format!("level level-{}", level.as_str())>{level.as_str()}</span>
                    <span class="log-service">{service}</span>
                    {host}
                    <span class="log-body">{body}</span>
                </summary>
                <div class="log-detail">
                    <p class="log-links">
                        <a href=context data-testid="context-link">"Context (20 before and after)"</a>
                        {trace.map(|href| view! { " · " <a href=href data-testid="trace-link">"Every line of this trace"</a> })}
                        {waterfall.map(|href| view! { " · " <a href=href data-testid="open-trace">"Open the trace"</a> })}
                    </p>
                    <Attributes line />
                </div>
            </details>
        </li>
    }
}

/// Every field and attribute of the line, as a two-column table.
#[component]
fn Attributes(line: LogLine) -> impl IntoView {
    let mut rows: Vec<(String, String)> = vec![
        (
            "severity".into(),
            match line.severity_text.as_str() {
                "" => line.severity.to_string(),
                text => format!("{} ({text})", line.severity),
            },
        ),
        ("id".into(), line.id.to_string()),
    ];
    if let Some(trace) = &line.trace_id {
        rows.push(("trace_id".into(), trace.clone()));
    }
    if let Some(span) = &line.span_id {
        rows.push(("span_id".into(), span.clone()));
    }
    if let Some(attributes) = line.attributes.as_object() {
        rows.extend(
            attributes
                .iter()
                .map(|(key, value)| (key.clone(), attribute_text(value))),
        );
    }
    view! {
        <table class="log-attributes">
            <tbody>
                {rows.into_iter().map(|(key, value)| {
                    // Never an empty text node in a cell (hydration loses its place).
                    let value = if value.is_empty() { "—".to_string() } else { value };
                    view! { <tr><th scope="row">{key}</th><td>{value}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}
