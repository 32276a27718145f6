//! The bodies of the audit server functions: who may read what.
//!
//! Summary-only roles (managers) get entries without before/after, client IP
//! and user agent; that is decided here, on the server, never in the page.

use crate::audit::{AuditEntry, AuditFilter, AuditListing, ChainReport};
use crate::auth::permissions::{Permission, allows};
use crate::auth::ssr::acting;
use crate::error::AppError;
use crate::state::app_state;

pub async fn list_for_viewer(filter: AuditFilter) -> Result<AuditListing, AppError> {
    let user = acting(Permission::ReadAuditSummary).await?.user;
    let query = filter.parse()?;
    let state = app_state()?;
    let mut conn = state.connection("audit list: acquire").await?;
    let mut page = super::queries::list(&mut conn, &query)
        .await
        .map_err(|e| AppError::internal("audit list", e))?;
    if !allows(user.role, Permission::ReadAuditDetails) {
        page.strip_details();
    }
    Ok(AuditListing {
        page,
        viewer_role: user.role,
    })
}

pub async fn entry_for_viewer(id: i64) -> Result<AuditEntry, AppError> {
    acting(Permission::ReadAuditDetails).await?;
    let state = app_state()?;
    let mut conn = state.connection("audit entry: acquire").await?;
    super::queries::entry(&mut conn, id)
        .await
        .map_err(|e| AppError::internal("audit entry", e))?
        .ok_or(AppError::NotFound)
}

pub async fn verify_for_viewer() -> Result<ChainReport, AppError> {
    acting(Permission::VerifyAudit).await?;
    let state = app_state()?;
    let mut conn = state.connection("audit verify: acquire").await?;
    // Without Redis the chain is still checked, only not against its anchor.
    let log = super::anchor::log_id(&mut conn)
        .await
        .map_err(|e| AppError::internal("audit verify: the log's database", e))?;
    let anchor = super::anchor::read(&state.redis, log).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "audit verify: the chain's anchor is unreadable; checking the chain alone");
        None
    });
    super::chain::verify_against(&mut conn, &state.audit_key, anchor)
        .await
        .map_err(|e| AppError::internal("audit verify", e))
}
