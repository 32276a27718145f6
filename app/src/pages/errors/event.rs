//! The latest event of an issue: exception chain with stack traces (in-app
//! frames marked, the others in a closed `<details>`), breadcrumbs, tags,
//! contexts and user. All text is rendered as text, never as markup.

use leptos::prelude::*;

use super::when;
use crate::components::table_head::TableHead;
use crate::errors::issue::{BreadcrumbView, EventView, ExceptionView, FrameView};
use crate::traces::page_href;

/// The latest event, or with `chosen` the one the URL chose.
#[component]
pub fn LatestEvent(event: EventView, #[prop(optional)] chosen: bool) -> impl IntoView {
    let facts = [
        ("Event", Some(event.event_id.clone())),
        ("Time", Some(when(event.ts))),
        ("Release", event.release.clone()),
        ("Environment", event.environment.clone()),
    ];
    // The SDK's trace context: error readers may read traces too (the same roles).
    let trace = event
        .contexts
        .iter()
        .filter(|(name, _)| name == "trace")
        .flat_map(|(_, fields)| fields)
        .find(|(key, _)| key == "trace_id")
        .and_then(|(_, id)| page_href(id))
        .map(|href| view! { <p><a href=href data-testid="open-trace">"Open the trace"</a></p> });
    view! {
        <section class="panel" aria-labelledby="latest-event-heading">
            <h2 id="latest-event-heading">{if chosen { "Chosen event" } else { "Latest event" }}</h2>
            <dl class="facts">
                {facts.into_iter().map(|(name, value)| view! {
                    <dt>{name}</dt><dd>{value.unwrap_or_else(|| "—".to_string())}</dd>
                }).collect_view()}
            </dl>
            {trace}
            {(!event.message.is_empty()).then(|| view! { <pre class="event-message">{event.message.clone()}</pre> })}
            {event.exceptions.into_iter().map(|exception| view! { <Exception exception /> }).collect_view()}
            <Breadcrumbs crumbs=event.breadcrumbs />
            <Pairs title="Tags" id="event-tags" pairs=event.tags />
            {event.contexts.into_iter().map(|(name, fields)| view! {
                <Pairs title="Context" id="event-context" name pairs=fields />
            }).collect_view()}
            <Pairs title="User" id="event-user" pairs=event.user />
        </section>
    }
}

#[component]
fn Exception(exception: ExceptionView) -> impl IntoView {
    let (in_app, other): (Vec<FrameView>, Vec<FrameView>) = exception.frames.into_iter().partition(|f| f.in_app);
    let other_count = other.len();
    view! {
        <div class="exception">
            <h3><code>{exception.kind}</code></h3>
            {(!exception.value.is_empty()).then(|| view! { <p class="exception-value">{exception.value}</p> })}
            {(!in_app.is_empty()).then(|| view! { <Frames frames=in_app label="In-app frames, most recent call first" /> })}
            {(other_count > 0).then(|| view! {
                <details class="other-frames">
                    <summary>{format!("{other_count} other frames")}</summary>
                    <Frames frames=other label="Other frames, most recent call first" />
                </details>
            })}
            {(exception.more_frames > 0).then(|| view! {
                <p class="muted">{format!("{} older frames not shown", exception.more_frames)}</p>
            })}
        </div>
    }
}

#[component]
fn Frames(frames: Vec<FrameView>, label: &'static str) -> impl IntoView {
    view! {
        <ol class="frames" aria-label=label>
            {frames.into_iter().map(|frame| view! {
                <li class:in-app=frame.in_app>
                    <code class="frame-function">{frame.function}</code>
                    " "<span class="muted">{frame.location}</span>
                    {frame.context_line.map(|line| view! { <pre class="frame-source">{line}</pre> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

#[component]
fn Breadcrumbs(crumbs: Vec<BreadcrumbView>) -> impl IntoView {
    (!crumbs.is_empty()).then(|| {
        view! {
            <h3>"Breadcrumbs"</h3>
            <table class="breadcrumbs">
                <TableHead columns=&["Time", "Category", "Level", "Message"] />
                <tbody>
                    {crumbs.into_iter().map(|crumb| view! {
                        <tr>
                            <td class="num">{crumb.at.unwrap_or_else(|| "—".to_string())}</td>
                            <td>{if crumb.category.is_empty() { "—".to_string() } else { crumb.category }}</td>
                            <td>{crumb.level}</td>
                            <td>{if crumb.message.is_empty() { "—".to_string() } else { crumb.message }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

#[component]
fn Pairs(
    title: &'static str,
    id: &'static str,
    #[prop(optional)] name: Option<String>,
    pairs: Vec<(String, String)>,
) -> impl IntoView {
    let heading = match name {
        Some(name) => format!("{title}: {name}"),
        None => title.to_string(),
    };
    (!pairs.is_empty()).then(|| {
        view! {
            <h3 class=id>{heading}</h3>
            <dl class="facts">
                {pairs.into_iter().map(|(name, value)| view! {
                    <dt>{name}</dt>
                    <dd>{if value.is_empty() { "—".to_string() } else { value }}</dd>
                }).collect_view()}
            </dl>
        }
    })
}
