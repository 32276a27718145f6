//! The table: one page of the filtered deployments, sortable by its column
//! headers (links), each row with its impact and, while started, Finish
//! (beside its status).

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::finish::FinishForm;
use super::impact::ImpactCell;
use super::issues::IssuesCell;
use super::when;
use crate::deployments::{
    Deployment, DeploymentFilter, DeploymentListing, DeploymentRow, DeploymentStatus, PAGE_SIZE, SortKey,
};

#[component]
pub fn StatusBadge(status: DeploymentStatus) -> impl IntoView {
    view! { <span class=format!("badge deploy-{}", status.as_str())>{status.label()}</span> }
}

#[component]
pub fn DeploymentsTable(listing: DeploymentListing, filter: DeploymentFilter) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! {
            <div class="empty-state" data-testid="no-deployments">
                {if filter.is_filtered() {
                    view! {
                        <p class="empty-title">"No deployments match these filters"</p>
                        <p><a href="/deployments">"Clear filters"</a></p>
                    }.into_any()
                } else {
                    view! {
                        <p class="empty-title">"No deployments recorded yet"</p>
                        <p>
                            "CI records them with "<code>"POST /api/v1/deployments"</code>
                            " and an API key with the "<code>"deployments:write"</code>" scope (see docs/API.md); "
                            "operators can record one with the form below."
                        </p>
                    }.into_any()
                }}
            </div>
        }
        .into_any();
    }
    // Parsed again here only to mark the sorted column; the server already refused a bad sort.
    let sort = filter.sort.as_deref().and_then(SortKey::parse).unwrap_or_default();
    let descending = match filter.dir.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        _ => sort.default_descending(),
    };
    let header = move |key: SortKey, label: &'static str| {
        let href = filter.sorted_href(key, sort, descending);
        let (aria, arrow) = match (key == sort, descending) {
            (false, _) => ("none", ""),
            (true, true) => ("descending", " ↓"),
            (true, false) => ("ascending", " ↑"),
        };
        view! { <th scope="col" aria-sort=aria><a href=href>{label}{arrow}</a></th> }.into_any()
    };
    let can_record = listing.can_record;
    let counts_issues = listing.rows.iter().any(|row| row.issues.is_some());
    view! {
        <section class="panel" aria-labelledby="deployments-table-heading">
            <h2 id="deployments-table-heading">{format!("Deployments ({})", listing.total)}</h2>
            <div class="table-scroll">
                <table class="audit-table deployments-table" data-testid="deployments-table">
                    <thead>
                        <tr>
                            {header(SortKey::Started, "Started (UTC)")}
                            {header(SortKey::Service, "Service")}
                            {header(SortKey::Version, "Version")}
                            {header(SortKey::Environment, "Environment")}
                            {header(SortKey::Status, "Status")}
                            <th scope="col">"Deployed by"</th>
                            <th scope="col">"Impact " <span class="hint">"30 min before → after"</span></th>
                            {counts_issues.then(|| view! {
                                <th scope="col">"Error issues " <span class="hint">"until the next deployment"</span></th>
                            })}
                        </tr>
                    </thead>
                    <tbody>
                        {listing.rows.into_iter().map(|row| view! { <Row row can_record /> }.into_any()).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn Row(row: DeploymentRow, can_record: bool) -> impl IntoView {
    let DeploymentRow {
        deployment: d,
        impact,
        issues,
    } = row;
    let issues = issues.map(|tally| view! { <td><IssuesCell tally service=d.service.clone() /></td> });
    let service_href = format!("/deployments?service={}", crate::url::percent_encode(&d.service));
    let performance_href = crate::metrics::pages::PerformanceQuery {
        service: Some(d.service.clone()),
        ..Default::default()
    }
    .href();
    let finish = (can_record && d.status == DeploymentStatus::Started).then(|| d.clone());
    view! {
        <tr data-testid="deployment-row" data-deployment=d.id>
            <td class="num">
                <time datetime=d.started_at.to_rfc3339() title=when(d.started_at)>
                    {d.started_at.format("%Y-%m-%d").to_string()}<br />{d.started_at.format("%H:%M").to_string()}
                </time>
            </td>
            <td>
                <a class="service-name" href=service_href>{d.service.clone()}</a>
                <br /><a class="hint" href=performance_href>"Performance"</a>
            </td>
            <td><Version deployment=d.clone() /></td>
            <td>{d.environment.clone()}</td>
            <td>
                <StatusBadge status=d.status /><br /><span class="hint">{duration(d.started_at, d.finished_at)}</span>
                {finish.map(|deployment| view! { <FinishForm deployment /> })}
            </td>
            <td>{d.deployed_by.clone()}<br /><span class="hint">{format!("via {}", d.source.as_str())}</span></td>
            <td><ImpactCell impact /></td>
            {issues}
        </tr>
    }
    // Erased: the row's view type otherwise outgrows the compiler's limits in release builds.
    .into_any()
}

#[component]
fn Version(deployment: Deployment) -> impl IntoView {
    view! {
        <strong>{deployment.version}</strong>
        {deployment.commit.map(|commit| {
            let short: String = commit.chars().take(12).collect();
            view! { <br /><code class="hint" title=commit>{short}</code> }
        })}
        {deployment.notes_url.map(|url| view! {
            <br /><a class="hint" href=url rel="noopener noreferrer external" target="_blank">"Notes"</a>
        })}
    }
}

/// `4 min 10 s`, or "running" while started.
fn duration(started: DateTime<Utc>, finished: Option<DateTime<Utc>>) -> String {
    let Some(finished) = finished else {
        return "running".to_string();
    };
    crate::components::short_time::span((finished - started).num_seconds())
}

/// Page links that keep the filter and sort.
#[component]
pub fn Pager(listing: DeploymentListing, filter: DeploymentFilter) -> impl IntoView {
    let pages = ((listing.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = listing.page;
    let previous = (page > 0).then(|| filter.href(page - 1));
    let next = listing.has_more().then(|| filter.href(page + 1));
    (previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Deployment pages">
                {previous.map(|href| view! { <a href=href rel="prev">"← Previous"</a> })}
                <span class="muted">{format!("Page {} of {pages}", page + 1)}</span>
                {next.map(|href| view! { <a href=href rel="next">"Next →"</a> })}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::duration;
    use chrono::{Duration, Utc};

    #[test]
    fn durations_read_in_the_largest_sensible_units() {
        let start = Utc::now();
        assert_eq!(duration(start, None), "running");
        assert_eq!(duration(start, Some(start + Duration::seconds(42))), "42 s");
        assert_eq!(duration(start, Some(start + Duration::seconds(250))), "4 min 10 s");
        assert_eq!(duration(start, Some(start + Duration::minutes(135))), "2 h 15 min");
    }
}
