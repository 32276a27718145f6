//! What the Deployments page's server functions (`deployments::api`) do
//! once the caller is authorised: parse, query, record.

use chrono::Utc;

use super::record::{self, Recorder};
use super::{RecordedBy, count, impact::impacts, known_names, newest, page};
use crate::auth::permissions::Permission;
use crate::auth::ssr::Caller;
use crate::deployments::{
    Deployment, DeploymentDraft, DeploymentFilter, DeploymentListing, DeploymentRow, Finish, NewDeployment, PAGE_SIZE,
    Source, TIMELINE_LIMIT,
};
use crate::error::AppError;
use crate::errors::ssr::tally::per_deployment;
use crate::state::AppState;

/// One page of the filtered, sorted table with each row's impact, and the timeline.
pub async fn listing(
    state: &AppState,
    caller: &Caller,
    filter: DeploymentFilter,
) -> Result<DeploymentListing, AppError> {
    let now = Utc::now();
    let query = filter.parse(now)?;
    let fail = |what: &'static str| move |e: sqlx::Error| AppError::internal(what, e);
    let mut conn = state.connection("deployments: acquire").await?;
    let total = count(&mut conn, &query).await.map_err(fail("deployments: count"))?;
    let deployments = page(&mut conn, &query, PAGE_SIZE)
        .await
        .map_err(fail("deployments: page"))?;
    let impacts = impacts(&mut conn, &deployments, now)
        .await
        .map_err(fail("deployments: impact"))?;
    let issues = if caller.may(Permission::CountErrors) {
        let ids: Vec<i64> = deployments.iter().map(|d| d.id).collect();
        let tallies = per_deployment(&mut conn, &ids, now).await;
        tallies
            .map_err(fail("deployments: error issues"))?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; deployments.len()]
    };
    let rows = deployments
        .into_iter()
        .zip(impacts)
        .zip(issues)
        .map(|((deployment, impact), issues)| DeploymentRow {
            deployment,
            impact,
            issues,
        })
        .collect();
    let timeline = newest(&mut conn, &query, TIMELINE_LIMIT)
        .await
        .map_err(fail("deployments: timeline"))?;
    let (services, environments) = known_names(&mut conn).await.map_err(fail("deployments: names"))?;
    Ok(DeploymentListing {
        rows,
        total,
        page: query.page,
        timeline,
        services,
        environments,
        can_record: caller.may(Permission::RecordDeployments),
        viewer: caller.user.email.clone(),
    })
}

fn page_recorder(caller: &Caller) -> Recorder {
    Recorder {
        actor: caller.actor.clone(),
        client: caller.client.clone(),
        source: Source::Ui,
        by: RecordedBy {
            user: Some(caller.id()),
            key: None,
        },
        default_deployed_by: caller.user.email.clone(),
        api_key: None,
    }
}

/// Records a deployment typed on the page.
pub async fn record(state: &AppState, caller: &Caller, draft: DeploymentDraft) -> Result<Deployment, AppError> {
    let new = NewDeployment::parse(&draft, Utc::now())?;
    record::record(state, &page_recorder(caller), new).await
}

/// Finishes a started deployment with the status chosen on the page.
pub async fn finish(
    state: &AppState,
    caller: &Caller,
    id: i64,
    status: &str,
    finished_at: &str,
) -> Result<Deployment, AppError> {
    let how = Finish::parse(Some(status), Some(finished_at), None, Utc::now())?;
    Ok(record::finish(state, &page_recorder(caller), id, &how, Utc::now())
        .await?
        .deployment())
}
