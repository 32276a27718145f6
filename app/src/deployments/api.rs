//! The Deployments page's server functions: reading needs
//! `ReadDeployments`, recording and finishing `RecordDeployments`. Each
//! authorises, then calls `ssr::page`.

use leptos::prelude::*;

use super::{Deployment, DeploymentFilter, DeploymentListing};
#[cfg(feature = "ssr")]
use super::{DeploymentDraft, ssr::page};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// The Deployments page: one page of the filtered, sorted table with each
/// row's impact, and the timeline.
#[server(endpoint = "deployments/list")]
pub async fn list_deployments(#[server(default)] filter: DeploymentFilter) -> Result<DeploymentListing, AppError> {
    respond(
        async {
            let caller = acting(Permission::ReadDeployments).await?;
            page::listing(&app_state()?, &caller, filter).await
        }
        .await,
    )
}

/// Records a deployment from the page (operators and admins). Times are UTC;
/// an empty start means now, an empty finish with a final status means now.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "deployments/record")]
pub async fn record_deployment(
    service: String,
    version: String,
    #[server(default)] environment: String,
    #[server(default)] commit: String,
    status: String,
    #[server(default)] started_at: String,
    #[server(default)] finished_at: String,
    #[server(default)] deployed_by: String,
    #[server(default)] notes_url: String,
) -> Result<Deployment, AppError> {
    let caller = acting(Permission::RecordDeployments).await?;
    let draft = DeploymentDraft {
        service: Some(service),
        version: Some(version),
        environment: Some(environment),
        commit: Some(commit),
        status: Some(status),
        started_at: Some(started_at),
        finished_at: Some(finished_at),
        deployed_by: Some(deployed_by),
        notes_url: Some(notes_url),
    };
    respond(page::record(&app_state()?, &caller, draft).await)
}

/// Finishes a started deployment with its final status (operators and admins).
#[server(endpoint = "deployments/finish")]
pub async fn finish_deployment(
    deployment_id: i64,
    status: String,
    #[server(default)] finished_at: String,
) -> Result<Deployment, AppError> {
    respond(
        async {
            let caller = acting(Permission::RecordDeployments).await?;
            page::finish(&app_state()?, &caller, deployment_id, &status, &finished_at).await
        }
        .await,
    )
}
