//! The Issue page's events: the latest or the chosen event (`?event=`),
//! where the issue was seen (releases, environments), its occurrences, and
//! its events newest first, keyset-paged (`?before=`). All in the URL, so
//! it works without JavaScript and every view is bookmarkable.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::event::LatestEvent;
use super::occurrences::Occurrences;
use super::sparkline::events as count_events;
use super::when;
use crate::components::table_head::TableHead;
use crate::errors::events::{EventRow, IssueEvents, IssueEventsFilter, SeenIn};
use crate::errors::get_issue_events;
use crate::errors::issue::EventView;

#[component]
pub fn IssueEventsPanel(issue_id: i64, latest: Option<EventView>) -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let query = query.read();
        IssueEventsFilter {
            event: query.get("event"),
            before: query.get("before"),
            range: query.get("range"),
        }
    });
    let events = Resource::new(
        move || filter.get(),
        move |f: IssueEventsFilter| get_issue_events(issue_id, f.event, f.before, f.range),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the events…"</p> }>
            {move || events.get().map(|result| match result {
                Ok(events) => view! { <EventsView issue_id events filter=filter.get() latest=latest.clone() /> }.into_any(),
                Err(error) => view! {
                    {latest.clone().map(|event| view! { <LatestEvent event /> })}
                    <p class="error" role="alert">{format!("Could not load the events: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn EventsView(
    issue_id: i64,
    events: IssueEvents,
    filter: IssueEventsFilter,
    latest: Option<EventView>,
) -> impl IntoView {
    let missing = filter.event.clone().filter(|_| events.chosen.is_none());
    let (shown, chosen) = match events.chosen.clone() {
        Some(event) => (Some(event), true),
        None => (latest, false),
    };
    let shown_id = shown.as_ref().map(|event| event.event_id.clone());
    let (rows, next) = (events.rows.clone(), events.next.clone());
    let (releases, environments) = (events.releases.clone(), events.environments.clone());
    view! {
        <Occurrences issue_id events filter=filter.clone() />
        <SeenInPanel releases environments />
        {missing.map(|id| view! {
            <p class="notice" role="status">{format!("Event {id} is not one of this issue's stored events; the latest is shown.")}</p>
        })}
        {match shown {
            Some(event) => view! { <LatestEvent event chosen /> }.into_any(),
            None => view! { <p class="muted">"Its events are older than the retention window."</p> }.into_any(),
        }}
        <EventsList issue_id rows next filter shown_id />
    }
}

#[component]
fn SeenInPanel(releases: Vec<SeenIn>, environments: Vec<SeenIn>) -> impl IntoView {
    let list = |title: &'static str, id: &'static str, seen: Vec<SeenIn>| {
        view! {
            <div class="seen-in">
                <h3 id=id>{title}</h3>
                {if seen.is_empty() {
                    view! { <p class="muted">"None named"</p> }.into_any()
                } else {
                    view! {
                        <ul aria-labelledby=id>
                            {seen.into_iter().map(|s| view! {
                                <li><code>{s.name}</code>" "<span class="muted">{format!("{}, last {}", count_events(s.events), when(s.last_seen))}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        }
    };
    view! {
        <section class="panel seen-in-panel" aria-labelledby="seen-in-heading">
            <h2 id="seen-in-heading">"Seen in"</h2>
            {list("Releases", "seen-releases", releases)}
            {list("Environments", "seen-environments", environments)}
        </section>
    }
}

#[component]
fn EventsList(
    issue_id: i64,
    rows: Vec<EventRow>,
    next: Option<String>,
    filter: IssueEventsFilter,
    shown_id: Option<String>,
) -> impl IntoView {
    let paged = filter.before.is_some();
    let first = filter.href(issue_id, filter.event.clone(), None);
    let next = next.map(|cursor| filter.href(issue_id, filter.event.clone(), Some(cursor)));
    let dash = |value: Option<String>| value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_string());
    view! {
        <section class="panel" aria-labelledby="events-heading">
            <h2 id="events-heading">"Events"</h2>
            <div class="table-scroll">
                <table class="audit-table issue-events">
                    <TableHead columns=&["Time", "Level", "Release", "Environment", "User", "Message"] />
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let href = filter.href(issue_id, Some(row.event_id.clone()), filter.before.clone());
                            let current = (shown_id.as_deref() == Some(row.event_id.as_str())).then_some("true");
                            view! {
                                <tr>
                                    <td class="num"><a href=href aria-current=current>{when(row.ts)}</a></td>
                                    <td><span class=format!("badge level-{}", row.level)>{row.level.clone()}</span></td>
                                    <td>{dash(row.release)}</td>
                                    <td>{dash(row.environment)}</td>
                                    <td>{dash(row.user)}</td>
                                    <td>{dash(Some(row.message))}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(paged || next.is_some()).then(|| view! {
                <nav class="pager" aria-label="Event pages">
                    {paged.then(|| view! { <a href=first>"Newest events"</a> })}
                    {next.map(|href| view! { <a href=href rel="next">"Older events →"</a> })}
                </nav>
            })}
        </section>
    }
}
