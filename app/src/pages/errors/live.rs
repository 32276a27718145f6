//! The Errors page's live marks: once the page has hydrated it follows the
//! issues that get events (`/api/v1/live?errors=only`, only for readers of
//! errors) and lists them above the table, new ones marked, each with its
//! count, until the list is reloaded. Without JavaScript the page is the
//! list as loaded.

use leptos::prelude::*;

use crate::components::live_stream::LiveState;
use crate::errors::live::IssueUpdate;

/// Most issues listed as changed since the page opened.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const MAX_SHOWN: usize = 20;

#[component]
pub fn LiveIssues(service: Option<String>) -> impl IntoView {
    let updates = RwSignal::new(Vec::<IssueUpdate>::new());
    let state = RwSignal::new(LiveState::Off);
    #[cfg(feature = "hydrate")]
    {
        let url = match &service {
            Some(service) => format!(
                "/api/v1/live?errors=only&service={}",
                crate::url::percent_encode(service)
            ),
            None => "/api/v1/live?errors=only".to_string(),
        };
        crate::components::live_stream::follow(url, "issue", state, move |update: IssueUpdate| {
            updates.update(|list| {
                list.retain(|seen| seen.issue_id != update.issue_id);
                list.insert(0, update);
                list.truncate(MAX_SHOWN);
            })
        });
        // Effects run only in the browser: the stream opens after hydration.
        Effect::new(move |_| state.set(LiveState::Connecting));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (service, state);
    let reload = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    };
    move || {
        let list = updates.get();
        (!list.is_empty()).then(|| {
            let new = list.iter().filter(|u| u.new).count();
            view! {
                <section class="panel live-issues" aria-live="polite" data-testid="live-issues">
                    <div class="panel-head">
                        <h2>{format!("Since this page opened: {new} new, {} with new events", list.len() - new)}</h2>
                        <button type="button" on:click=reload>"Reload the list"</button>
                    </div>
                    <ul>
                        {list.into_iter().map(|update| view! {
                            <li data-issue=update.issue_id>
                                {update.new.then(|| view! { <span class="badge badge-new">"new"</span>" " })}
                                <a href=format!("/errors/issues/{}", update.issue_id)>{update.title}</a>
                                <span class="muted">{format!(" · {} · {} event{}", update.service, update.events, if update.events == 1 { "" } else { "s" })}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
