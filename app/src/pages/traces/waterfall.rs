//! The waterfall: one row per span in tree order, indented by depth, with a
//! bar for when it ran within the trace (SVG geometry, not inline styles:
//! the CSP allows no inline CSS). A span's name opens its details.

use leptos::prelude::*;

use crate::pages::performance::numbers::millis;
use crate::traces::{Attribute, SpanEvent, SpanStatus, WaterfallRow, kind_name};

/// Deepest indentation drawn (deeper spans line up at this depth; `data-depth` says the truth).
const MAX_INDENT: usize = 12;
/// The bar's coordinate width (the SVG stretches to its cell).
const BAR_WIDTH: f64 = 1000.0;

#[component]
pub fn Waterfall(rows: Vec<WaterfallRow>, total_ms: f64) -> impl IntoView {
    view! {
        <section class="panel">
            <table class="audit-table waterfall" aria-label="Spans of the trace">
                <thead>
                    <tr>
                        <th scope="col">"Service"</th>
                        <th scope="col">"Span"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col" class="waterfall-timeline">"When"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <SpanRow row total_ms /> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn SpanRow(row: WaterfallRow, total_ms: f64) -> impl IntoView {
    let WaterfallRow { span, depth, offset_ms } = row;
    let scale = if total_ms > 0.0 { BAR_WIDTH / total_ms } else { 0.0 };
    // At least a pixel-wide sliver, so an instant span still shows.
    let (x, width) = (
        (offset_ms * scale).min(BAR_WIDTH - 2.0),
        (span.duration_ms * scale).max(2.0),
    );
    let indent = format!("span-name indent-{}", depth.min(MAX_INDENT));
    let status = span.status;
    let message = (!span.status_message.is_empty()).then(|| span.status_message.clone());
    view! {
        <tr data-testid="span" data-depth=depth.to_string() data-status=status.as_str() class:error-row=status == SpanStatus::Error>
            <td>{span.service.clone()}</td>
            <td class=indent>
                <details>
                    <summary>{span.name.clone()}</summary>
                    <dl class="span-facts">
                        <dt>"Kind"</dt><dd>{kind_name(span.kind)}</dd>
                        <dt>"Status"</dt><dd>{status.as_str()}{message.map(|m| format!(": {m}"))}</dd>
                        <dt>"Starts"</dt><dd>{format!("+{}", millis(offset_ms))}</dd>
                        <dt>"Span id"</dt><dd><code>{span.span_id.clone()}</code></dd>
                    </dl>
                    <Attributes attributes=span.attributes />
                    <Events events=span.events />
                </details>
            </td>
            <td class="num">{millis(span.duration_ms)}</td>
            <td class="waterfall-timeline">
                <svg class="span-bar" viewBox=format!("0 0 {BAR_WIDTH} 10") preserveAspectRatio="none" aria-hidden="true">
                    <rect x=format!("{x:.1}") y="0" width=format!("{width:.1}") height="10" />
                </svg>
            </td>
        </tr>
    }
}

#[component]
fn Attributes(attributes: Vec<Attribute>) -> impl IntoView {
    if attributes.is_empty() {
        return view! { <p class="muted">"No attributes."</p> }.into_any();
    }
    view! {
        <dl class="span-attributes">
            {attributes.into_iter().map(|attribute| view! {
                <dt><code>{attribute.key}</code></dt>
                <dd>{attribute.value}</dd>
            }).collect_view()}
        </dl>
    }
    .into_any()
}

#[component]
fn Events(events: Vec<SpanEvent>) -> impl IntoView {
    (!events.is_empty()).then(|| {
        view! {
            <h3 class="span-events-heading">"Events"</h3>
            <ul class="span-events">
                {events.into_iter().map(|event| {
                    let details = event.attributes.iter().map(|a| format!("{} = {}", a.key, a.value)).collect::<Vec<_>>().join(", ");
                    view! {
                        <li>
                            <strong>{event.name}</strong>
                            {format!(" at +{}", millis(event.offset_ms))}
                            {(!details.is_empty()).then(|| view! { <span class="muted">{format!(" — {details}")}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}
