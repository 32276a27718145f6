//! The timeline: the newest matching deployments as a vertical list grouped
//! by day (UTC), newest first — what went out, and when, at a glance.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::table::StatusBadge;
use crate::deployments::{Deployment, TIMELINE_LIMIT};

/// `deployments` (newest first) in runs of the same UTC day.
pub fn by_day(deployments: Vec<Deployment>) -> Vec<(NaiveDate, Vec<Deployment>)> {
    let mut days: Vec<(NaiveDate, Vec<Deployment>)> = Vec::new();
    for deployment in deployments {
        let day = deployment.started_at.date_naive();
        match days.last_mut() {
            Some((last, group)) if *last == day => group.push(deployment),
            _ => days.push((day, vec![deployment])),
        }
    }
    days
}

#[component]
pub fn Timeline(deployments: Vec<Deployment>, total: i64) -> impl IntoView {
    let shown = deployments.len();
    view! {
        <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            {(total > i64::try_from(shown).unwrap_or(i64::MAX)).then(|| view! {
                <p class="muted">{format!("The newest {TIMELINE_LIMIT} of {total}; narrow the filter to see older ones here.")}</p>
            })}
            {if deployments.is_empty() {
                view! { <p class="muted">"No deployments match this filter."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline" data-testid="timeline">
                        {by_day(deployments).into_iter().map(|(day, group)| view! { <Day day group /> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Day(day: NaiveDate, group: Vec<Deployment>) -> impl IntoView {
    view! {
        <li class="timeline-day">
            <h3><time datetime=day.to_string()>{day.format("%A %Y-%m-%d").to_string()}</time></h3>
            <ul>
                {group.into_iter().map(|d| view! {
                    <li class=format!("timeline-item deploy-{}", d.status.as_str())>
                        <time datetime=d.started_at.to_rfc3339()>{d.started_at.format("%H:%M").to_string()}</time>
                        " "<strong>{d.service}</strong>" "<span>{d.version}</span>
                        " "<span class="muted">{d.environment}</span>" "
                        <StatusBadge status=d.status />
                    </li>
                }).collect_view()}
            </ul>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployments::{DeploymentStatus, Source};

    use crate::testing::at;

    fn deployment(id: i64, started: &str) -> Deployment {
        Deployment {
            id,
            service: "shop".into(),
            version: "v1".into(),
            environment: "production".into(),
            commit: None,
            status: DeploymentStatus::Succeeded,
            started_at: at(started),
            finished_at: None,
            deployed_by: "ci".into(),
            notes_url: None,
            source: Source::Api,
            created_at: at(started),
        }
    }

    #[test]
    fn consecutive_deployments_of_one_utc_day_share_a_group() {
        let days = by_day(vec![
            deployment(3, "2026-11-24T23:59:00Z"),
            deployment(2, "2026-11-24T00:00:00Z"),
            deployment(1, "2026-11-23T23:59:59Z"),
        ]);
        let shape: Vec<(String, Vec<i64>)> = days
            .into_iter()
            .map(|(day, group)| (day.to_string(), group.iter().map(|d| d.id).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("2026-11-24".to_string(), vec![3, 2]),
                ("2026-11-23".to_string(), vec![1])
            ]
        );
    }
}
