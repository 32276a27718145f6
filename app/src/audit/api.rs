//! The Audit page's server functions: authorise, parse, call `ssr::reading`.
//! What a summary-only role may see is decided there, on the server.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::reading;
use super::{AuditEntry, AuditFilter, AuditListing, ChainReport};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;

/// A page of entries, newest first. Summary-only roles get no details.
#[server(endpoint = "audit/list")]
pub async fn list_audit_entries(
    // An empty filter serialises to nothing at all; default it rather than fail.
    #[server(default)] filter: AuditFilter,
) -> Result<AuditListing, AppError> {
    let caller = acting(Permission::ReadAuditSummary).await?;
    let query = respond(filter.parse())?;
    let mut conn = crate::state::app_state()?.connection("audit list: acquire").await?;
    respond(reading::listing(&mut conn, &query, caller.role()).await)
}

/// One entry with its before/after details.
#[server(endpoint = "audit/entry")]
pub async fn get_audit_entry(id: i64) -> Result<AuditEntry, AppError> {
    acting(Permission::ReadAuditDetails).await?;
    let mut conn = crate::state::app_state()?.connection("audit entry: acquire").await?;
    respond(reading::entry(&mut conn, id).await)
}

/// Checks the whole hash chain and reports the first broken entry.
#[server(endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<ChainReport, AppError> {
    acting(Permission::VerifyAudit).await?;
    let state = crate::state::app_state()?;
    let mut conn = state.connection("audit verify: acquire").await?;
    respond(reading::verify(&mut conn, &state.redis, &state.audit_key).await)
}
