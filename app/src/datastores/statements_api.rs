//! Server functions of what runs on Opsdeck's own Postgres: the range's
//! top queries (`InspectDataStores`: the query text is shown) and ending a
//! session (`EndDataStoreSessions`: admins, audited).

use leptos::prelude::*;

use super::statements::TopQueries;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
use crate::metrics::window::RangeQuery;

/// Opsdeck's own Postgres's statements summed over the range, sorted by
/// `sort` (`QuerySort::as_str`; total time when absent or unknown).
#[server(endpoint = "datastores/top-queries")]
pub async fn get_top_queries(
    #[server(default)] query: RangeQuery,
    #[server(default)] sort: Option<String>,
) -> Result<TopQueries, AppError> {
    acting(Permission::InspectDataStores).await?;
    let window = crate::error::respond(query.window(chrono::Utc::now()))?;
    let sort = super::statements::QuerySort::parse(sort.as_deref());
    let state = crate::state::app_state()?;
    let mut conn = state.connection("top queries: acquire").await?;
    let top = super::ssr::statements::top_queries(&mut conn, &window, sort).await;
    crate::error::respond(top.map_err(AppError::internal_in("top queries")))
}

/// Ends client session `pid` of Opsdeck's own Postgres; a plain form post
/// goes back to the Data stores page.
#[server(endpoint = "datastores/end-session")]
pub async fn end_data_store_session(pid: i32) -> Result<(), AppError> {
    let caller = acting(Permission::EndDataStoreSessions).await?;
    crate::error::respond(super::ssr::sessions::end(&crate::state::app_state()?, &caller, pid).await)?;
    crate::error::redirect_on_success("/datastores", ());
    Ok(())
}
