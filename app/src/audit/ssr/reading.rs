//! What the Audit page's server functions read: who may see what.
//!
//! Summary-only roles (managers) get entries without before/after, client IP
//! and user agent; that is decided here, on the server, never in the page.

use sqlx::PgConnection;

use super::AuditKey;
use crate::audit::{AuditEntry, AuditListing, AuditQuery, ChainReport};
use crate::auth::permissions::{Permission, Role, allows};
use crate::error::AppError;
use crate::redis_handle::RedisHandle;

/// One page of entries matching `query`, as `viewer_role` may see it.
pub async fn listing(conn: &mut PgConnection, query: &AuditQuery, viewer_role: Role) -> Result<AuditListing, AppError> {
    let mut page = super::queries::list(conn, query)
        .await
        .map_err(|e| AppError::internal("audit list", e))?;
    if !allows(viewer_role, Permission::ReadAuditDetails) {
        page.strip_details();
    }
    Ok(AuditListing { page, viewer_role })
}

/// One entry with its details; `NotFound` when there is none.
pub async fn entry(conn: &mut PgConnection, id: i64) -> Result<AuditEntry, AppError> {
    super::queries::entry(conn, id)
        .await
        .map_err(|e| AppError::internal("audit entry", e))?
        .ok_or(AppError::NotFound)
}

/// The whole chain checked, and against its anchor when Redis has one.
pub async fn verify(conn: &mut PgConnection, redis: &RedisHandle, key: &AuditKey) -> Result<ChainReport, AppError> {
    // Without Redis the chain is still checked, only not against its anchor.
    let log = super::anchor::log_id(conn)
        .await
        .map_err(|e| AppError::internal("audit verify: the log's database", e))?;
    let anchor = super::anchor::read(redis, log).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "audit verify: the chain's anchor is unreadable; checking the chain alone");
        None
    });
    super::chain::verify_against(conn, key, anchor)
        .await
        .map_err(|e| AppError::internal("audit verify", e))
}
