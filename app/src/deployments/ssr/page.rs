//! The Deployments page's server functions: authorise, parse, query.

use chrono::Utc;

use super::record::{Recorder, finish, record};
use super::{RecordedBy, count, impact::impacts, known_names, newest, page};
use crate::auth::permissions::{Permission, allows};
use crate::auth::ssr::{Caller, acting};
use crate::deployments::{
    Deployment, DeploymentDraft, DeploymentFilter, DeploymentListing, DeploymentRow, Finish, NewDeployment, PAGE_SIZE,
    Source, TIMELINE_LIMIT,
};
use crate::error::AppError;

pub async fn listing(filter: DeploymentFilter) -> Result<DeploymentListing, AppError> {
    let user = acting(Permission::ReadDeployments).await?.user;
    let now = Utc::now();
    let query = filter.parse(now)?;
    let state = crate::state::app_state()?;
    let fail = |what: &'static str| move |e: sqlx::Error| AppError::internal(what, e);
    let mut conn = state.connection("deployments: acquire").await?;
    let total = count(&mut conn, &query).await.map_err(fail("deployments: count"))?;
    let deployments = page(&mut conn, &query, PAGE_SIZE)
        .await
        .map_err(fail("deployments: page"))?;
    let impacts = impacts(&mut conn, &deployments, now)
        .await
        .map_err(fail("deployments: impact"))?;
    let rows = deployments
        .into_iter()
        .zip(impacts)
        .map(|(deployment, impact)| DeploymentRow { deployment, impact })
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
        can_record: allows(user.role, Permission::RecordDeployments),
        viewer: user.email,
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

pub async fn record_from_page(draft: DeploymentDraft) -> Result<Deployment, AppError> {
    let caller = acting(Permission::RecordDeployments).await?;
    let new = NewDeployment::parse(&draft, Utc::now())?;
    record(&crate::state::app_state()?, &page_recorder(&caller), new).await
}

pub async fn finish_from_page(id: i64, status: &str, finished_at: &str) -> Result<Deployment, AppError> {
    let caller = acting(Permission::RecordDeployments).await?;
    let how = Finish::parse(Some(status), Some(finished_at), None, Utc::now())?;
    let state = crate::state::app_state()?;
    Ok(finish(&state, &page_recorder(&caller), id, &how, Utc::now())
        .await?
        .deployment())
}
