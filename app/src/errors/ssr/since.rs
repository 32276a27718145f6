//! "New since deployment": the deployments the Errors page offers, and the
//! service and start of the one chosen.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::AppError;
use crate::errors::issues::IssueQuery;

/// Deployments offered at most (the chosen one is always among them).
const OFFERED: i64 = 30;

/// The newest deployments of the chosen service (or of every service with
/// error tracking), and the chosen one: `(id, "service version (env) · when")`.
pub async fn choices(conn: &mut PgConnection, query: &IssueQuery) -> Result<Vec<(i64, String)>, AppError> {
    let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "(SELECT id, service, version, environment, started_at FROM deployments \
          WHERE ($1::text IS NULL AND service IN (SELECT service FROM error_projects)) OR service = $1 \
          ORDER BY started_at DESC, id DESC LIMIT $2) \
         UNION \
         (SELECT id, service, version, environment, started_at FROM deployments WHERE id = $3) \
         ORDER BY started_at DESC, id DESC",
    )
    .bind(&query.service)
    .bind(OFFERED)
    .bind(query.since)
    .fetch_all(conn)
    .await
    .map_err(AppError::internal_in("errors: deployments offered"))?;
    Ok(rows
        .into_iter()
        .map(|(id, service, version, environment, at)| {
            (
                id,
                format!(
                    "{service} {version} ({environment}) · {}",
                    at.format("%Y-%m-%d %H:%M UTC")
                ),
            )
        })
        .collect())
}

/// The service and start of deployment `id`.
pub async fn started(conn: &mut PgConnection, id: i64) -> Result<(String, DateTime<Utc>), AppError> {
    sqlx::query_as("SELECT service, started_at FROM deployments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(AppError::internal_in("errors: since deployment"))?
        .ok_or_else(|| AppError::validation("since", "There is no such deployment; choose one from the list"))
}
