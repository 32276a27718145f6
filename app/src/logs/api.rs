//! The Logs page's server functions: each needs `ReadLogs` (admins,
//! operators, support), then calls `ssr::page`.

use leptos::prelude::*;

use super::search::{LogContext, LogFilter, LogSearch};
#[cfg(feature = "ssr")]
use super::ssr::page;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// One page of the lines matching the query in the range, newest first,
/// and the histogram of all of them. A bad query is refused on field `q`
/// with its position.
#[server(endpoint = "logs/search")]
pub async fn search_logs(#[server(default)] filter: LogFilter) -> Result<LogSearch, AppError> {
    respond(
        async {
            acting(Permission::ReadLogs).await?;
            page::search(&app_state()?, &filter).await
        }
        .await,
    )
}

/// The 20 lines before and after line `id` (at `ts`, unix microseconds)
/// from the same service and host.
#[server(endpoint = "logs/context")]
pub async fn lines_around(id: String, ts: String) -> Result<LogContext, AppError> {
    respond(
        async {
            acting(Permission::ReadLogs).await?;
            page::around(&app_state()?, &id, &ts).await
        }
        .await,
    )
}

/// Every line of a trace, oldest first.
#[server(endpoint = "logs/trace")]
pub async fn trace_logs(trace_id: String) -> Result<LogContext, AppError> {
    respond(
        async {
            acting(Permission::ReadLogs).await?;
            page::trace(&app_state()?, &trace_id).await
        }
        .await,
    )
}
