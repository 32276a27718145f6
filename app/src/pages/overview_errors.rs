//! The Overview's error issues: per service, how many were new and how many
//! regressed in the last 24 hours (managers see the counts; readers of
//! errors also get links to the service's issues).

use leptos::prelude::*;

use crate::auth::permissions::Permission;
use crate::components::logs_link::LinkFor;
use crate::errors::issues::IssueFilter;
use crate::errors::tally::{OVERVIEW_HOURS, ServiceTally};

#[component]
pub fn ErrorIssues(tallies: Vec<ServiceTally>) -> impl IntoView {
    let body = if tallies.is_empty() {
        view! {
            <p class="muted" data-testid="no-error-issues">
                {format!("No new or regressed error issues in the last {OVERVIEW_HOURS} hours.")}
            </p>
        }
        .into_any()
    } else {
        view! {
            <table class="audit-table" data-testid="overview-error-issues">
                <thead><tr>
                    <th scope="col">"Service"</th><th scope="col" class="num">"New"</th>
                    <th scope="col" class="num">"Regressed"</th><th scope="col"><span class="visually-hidden">"Links"</span></th>
                </tr></thead>
                <tbody>
                    {tallies.into_iter().map(|row| view! { <TallyRow row /> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="error-issues-heading">
            <div class="panel-head">
                <h2 id="error-issues-heading">"Error issues"</h2>
                <span class="muted">{format!("Last {OVERVIEW_HOURS} hours")}</span>
            </div>
            {body}
        </section>
    }
}

#[component]
fn TallyRow(row: ServiceTally) -> impl IntoView {
    let href = IssueFilter {
        service: Some(row.service.clone()),
        ..IssueFilter::default()
    }
    .href(Some("first_seen"), None);
    view! {
        <tr data-service=row.service.clone()>
            <td>{row.service.clone()}</td>
            <td class="num">{row.tally.new}</td>
            <td class="num">{row.tally.regressed}</td>
            <td><LinkFor permission=Permission::ReadErrors href label="Issues" testid="overview-errors-link" /></td>
        </tr>
    }
}
