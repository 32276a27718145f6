//! A deployment's error issues: how many were new or regressed from it
//! until the service's next deployment, with a link to the service's
//! issues for readers of errors (managers see the counts only).

use leptos::prelude::*;

use crate::auth::permissions::Permission;
use crate::components::logs_link::LinkFor;
use crate::errors::issues::IssueFilter;
use crate::errors::tally::IssueTally;

#[component]
pub fn IssuesCell(tally: IssueTally, service: String) -> impl IntoView {
    let href = IssueFilter {
        service: Some(service),
        range: Some("7d".into()),
        ..IssueFilter::default()
    }
    .href(Some("first_seen"), None);
    let any = tally.new + tally.regressed > 0;
    view! {
        <span data-testid="deployment-issues" class=any.then_some("issues-seen")>
            {format!("{} new", tally.new)}<br />{format!("{} regressed", tally.regressed)}
        </span>
        {any.then(|| view! {
            <br /><LinkFor permission=Permission::ReadErrors href label="Errors" testid="deployment-errors-link" />
        })}
    }
}
