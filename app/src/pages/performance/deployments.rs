//! The deployments the charts mark, as text: what readers without
//! JavaScript (and screen readers) get instead of the markers.

use leptos::prelude::*;

use crate::deployments::DeploymentMarker;

#[component]
pub fn DeploymentList(deployments: Vec<DeploymentMarker>, service: String) -> impl IntoView {
    let href = format!("/deployments?service={}", crate::url::percent_encode(&service));
    view! {
        <div class="chart-deployments" data-testid="chart-deployments">
            <h3>"Deployments in this range"</h3>
            {if deployments.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {deployments.into_iter().map(|d| view! {
                            <li>
                                <time datetime=d.started_at.to_rfc3339()>{d.started_at.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
                                " · "<strong>{d.version}</strong>" · "{d.environment}" · "{d.status.label()}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="hint"><a href=href>{format!("All deployments of {service}")}</a></p>
        </div>
    }
}
