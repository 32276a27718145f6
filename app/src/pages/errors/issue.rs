//! One issue (`/errors/issues/:id`): its counts, its state with the actions
//! and timeline (`timeline.rs`), what grouped its events ("grouped by: …"
//! in plain words) and its latest event.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::actions::TriageChanged;
use super::events::IssueEventsPanel;
use super::merge::{GroupedBy, MergeForm, MergedNotice};
use super::timeline::{Triage, TriageResource};
use super::when;
use crate::error::AppError;
use crate::errors::issue::IssueDetail;
use crate::errors::{get_issue, get_issue_triage};

#[component]
pub fn IssuePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get_str("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_issue(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let changed = RwSignal::new(0u32);
    provide_context(TriageChanged(changed));
    provide_context(TriageResource(Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move { get_issue_triage(id.ok_or(AppError::NotFound)?).await },
    )));
    view! {
        <Title text=move || id.get().map(|id| format!("Issue {id}")).unwrap_or_else(|| "Issue".into()) />
        <p><a href="/errors">"← Errors"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the issue…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => view! { <IssueView detail /> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <h1>"Issue"</h1>
                    <div class="empty-state"><p class="empty-title">"There is no issue with this number"</p></div>
                }.into_any(),
                Err(error) => view! {
                    <h1>"Issue"</h1>
                    <p class="error" role="alert">{format!("Could not load the issue: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn IssueView(detail: IssueDetail) -> impl IntoView {
    let issue = detail.issue;
    let id = issue.id;
    let culprit = if issue.culprit.is_empty() {
        "—".to_string()
    } else {
        issue.culprit.clone()
    };
    view! {
        <h1 class="issue-title">{issue.title.clone()}</h1>
        {detail.merged_into.map(|into| view! { <MergedNotice into /> })}
        <p class="muted">{format!("{} · ", issue.service)}<code>{culprit}</code></p>
        <dl class="facts">
            <dt>"Level"</dt><dd><span class=format!("badge level-{}", issue.level)>{issue.level.clone()}</span></dd>
            <dt>"Events"</dt><dd>{issue.events}</dd>
            <dt>"Users"</dt><dd>{issue.users}</dd>
            <dt>"First seen"</dt><dd>{when(issue.first_seen)}</dd>
            <dt>"Last seen"</dt><dd>{when(issue.last_seen)}</dd>
            <dt>"First release"</dt><dd>{detail.first_release.unwrap_or_else(|| "—".to_string())}</dd>
        </dl>
        <Triage issue_id=issue.id />
        {detail.merged_into.is_none().then(|| view! { <MergeForm issue_id=id /> })}
        <GroupedBy issue_id=id groupings=detail.groupings />
        {detail.merged_into.is_none().then(|| view! { <IssueEventsPanel issue_id=id latest=detail.latest /> })}
    }
}
