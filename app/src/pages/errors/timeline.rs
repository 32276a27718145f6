//! The Issue page's triage section: the state in words, the actions that
//! change it (`actions.rs`) and the timeline — the issue's audit trail,
//! newest first, with who made each change (Opsdeck for automatic ones).

use leptos::prelude::*;

use super::actions::{StateActions, UnresolveForm};
use super::when;
use crate::components::table_head::TableHead;
use crate::error::AppError;
use crate::errors::states::{IssueTriage, TimelineEntry};

/// The page's triage read, created in the page's body and keyed on its changes.
#[derive(Clone, Copy)]
pub struct TriageResource(pub Resource<Result<IssueTriage, AppError>>);

#[component]
pub fn Triage(issue_id: i64) -> impl IntoView {
    let Some(TriageResource(triage)) = use_context::<TriageResource>() else {
        return ().into_any();
    };
    let state = move || {
        triage.get().map(|result| match result {
            Ok(triage) => {
                let reopenable = triage.state.state != "unresolved";
                view! {
                    <p class="triage-state">
                        <span class=format!("badge state-{}", triage.state.state)>{triage.state.state.clone()}</span>
                        " " {triage.state.summary.clone()}
                    </p>
                    {reopenable.then(|| view! { <UnresolveForm issue_id /> })}
                }
                .into_any()
            }
            Err(error) => {
                view! { <p class="error" role="alert">{format!("Could not load the state: {error}")}</p> }.into_any()
            }
        })
    };
    let timeline = move || {
        triage
            .get()
            .and_then(Result::ok)
            .map(|triage| view! { <Timeline entries=triage.timeline /> })
    };
    view! {
        <section class="panel triage" aria-labelledby="triage-heading">
            <h2 id="triage-heading">"State"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading the state…"</p> }>{state}</Transition>
            <StateActions issue_id />
        </section>
        <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <Transition fallback=|| ()>{timeline}</Transition>
        </section>
    }
    .into_any()
}

#[component]
fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"No one has changed its state yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="audit-table issue-timeline">
                <caption class="visually-hidden">"State changes, newest first"</caption>
                <TableHead columns=&["When", "Who", "Change", "Before", "After"] />
                <tbody>
                    {entries.into_iter().map(|entry| view! {
                        <tr>
                            <td class="num">{when(entry.at)}</td>
                            <td>{entry.who}</td>
                            <td>{entry.what}</td>
                            <td>{entry.before.unwrap_or_else(|| "—".to_string())}</td>
                            <td>{entry.after.unwrap_or_else(|| "—".to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
