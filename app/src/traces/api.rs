//! The trace page's server function: it needs `ReadTraces` (admins,
//! operators, support). The Performance page's slowest traces come with
//! its report (`metrics::ssr::performance`), for viewers who may read traces.

use leptos::prelude::*;

use super::TraceView;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;

/// Every stored span of a trace, in waterfall order. `NotFound` when none is
/// stored (never sent, or past retention); a malformed id is refused on `id`.
#[server(endpoint = "traces/trace")]
pub async fn get_trace(trace_id: String) -> Result<TraceView, AppError> {
    respond(
        async {
            acting(Permission::ReadTraces).await?;
            let trace_id = super::parse_trace_id(&trace_id)?;
            super::ssr::read::trace(&crate::state::app_state()?, &trace_id).await
        }
        .await,
    )
}
