//! The Deployments page's server functions: authorise, parse, query.

use chrono::Utc;

use super::record::{Recorder, finish, record};
use super::{RecordedBy, count, impact::impacts, known_names, newest, page};
use crate::audit::ssr::Actor;
use crate::auth::CurrentUser;
use crate::auth::permissions::{Permission, allows};
use crate::auth::ssr::{client_info, require};
use crate::deployments::{
    Deployment, DeploymentDraft, DeploymentFilter, DeploymentListing, DeploymentRow, Finish, NewDeployment, PAGE_SIZE,
    Source, TIMELINE_LIMIT,
};
use crate::error::AppError;

pub async fn listing(filter: DeploymentFilter) -> Result<DeploymentListing, AppError> {
    let user = require(Permission::ReadDeployments).await?;
    let now = Utc::now();
    let query = filter.parse(now)?;
    let state = crate::state::app_state()?;
    let fail = |what: &'static str| move |e: sqlx::Error| AppError::internal(what, e);
    let mut conn = state.db.acquire().await.map_err(fail("deployments: acquire"))?;
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

fn page_recorder(user: &CurrentUser) -> Recorder {
    Recorder {
        actor: Actor::user(user),
        client: client_info(),
        source: Source::Ui,
        by: RecordedBy {
            user: Some(user.id),
            key: None,
        },
        default_deployed_by: user.email.clone(),
        api_key: None,
    }
}

pub async fn record_from_page(draft: DeploymentDraft) -> Result<Deployment, AppError> {
    let user = require(Permission::RecordDeployments).await?;
    let new = NewDeployment::parse(&draft, Utc::now())?;
    record(&crate::state::app_state()?, &page_recorder(&user), new).await
}

pub async fn finish_from_page(id: i64, status: &str, finished_at: &str) -> Result<Deployment, AppError> {
    let user = require(Permission::RecordDeployments).await?;
    let how = Finish::parse(Some(status), Some(finished_at), None, Utc::now())?;
    let state = crate::state::app_state()?;
    Ok(finish(&state, &page_recorder(&user), id, &how, Utc::now())
        .await?
        .deployment())
}
