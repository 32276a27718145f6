//! Deployment queries. Each takes a connection (or transaction) so a change
//! and its audit entry commit together. `record` holds the audited writes
//! the page and the API share, `page` what the page's server functions do
//! (`deployments::api`), `impact` the before/after numbers read from the
//! metrics rollups.

pub mod impact;
pub mod page;
pub mod record;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{Deployment, DeploymentMarker, DeploymentQuery, DeploymentStatus, NewDeployment, SortKey, Source};

const COLUMNS: &str = "id, service, version, environment, commit_ref, status, started_at, finished_at, \
                       deployed_by, notes_url, source, created_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    service: String,
    version: String,
    environment: String,
    commit_ref: Option<String>,
    status: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    deployed_by: String,
    notes_url: Option<String>,
    source: String,
    created_at: DateTime<Utc>,
}

impl From<Row> for Deployment {
    fn from(row: Row) -> Deployment {
        Deployment {
            id: row.id,
            // The table's CHECK constraints keep status and source to these names.
            status: DeploymentStatus::parse(&row.status).unwrap_or(DeploymentStatus::Started),
            source: if row.source == "api" { Source::Api } else { Source::Ui },
            service: row.service,
            version: row.version,
            environment: row.environment,
            commit: row.commit_ref,
            started_at: row.started_at,
            finished_at: row.finished_at,
            deployed_by: row.deployed_by,
            notes_url: row.notes_url,
            created_at: row.created_at,
        }
    }
}

/// Who recorded a row, for its provenance columns.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordedBy {
    pub user: Option<i64>,
    pub key: Option<i64>,
}

pub async fn insert(
    conn: &mut PgConnection,
    new: &NewDeployment,
    deployed_by: &str,
    source: Source,
    by: RecordedBy,
) -> sqlx::Result<Deployment> {
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO deployments (service, version, environment, commit_ref, status, started_at, finished_at, \
         deployed_by, notes_url, source, recorded_by_user, recorded_by_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
    ))
    .bind(&new.service)
    .bind(&new.version)
    .bind(&new.environment)
    .bind(&new.commit)
    .bind(new.status.as_str())
    .bind(new.started_at)
    .bind(new.finished_at)
    .bind(deployed_by)
    .bind(&new.notes_url)
    .bind(source.as_str())
    .bind(by.user)
    .bind(by.key)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// The deployment, with its row locked until the transaction ends.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Deployment>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM deployments WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(Deployment::from))
}

pub async fn set_finished(
    conn: &mut PgConnection,
    id: i64,
    status: DeploymentStatus,
    finished_at: DateTime<Utc>,
    notes_url: Option<&str>,
) -> sqlx::Result<Deployment> {
    let row: Row = sqlx::query_as(&format!(
        "UPDATE deployments SET status = $2, finished_at = $3, notes_url = coalesce($4, notes_url), \
         updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status.as_str())
    .bind(finished_at)
    .bind(notes_url)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// The filter's WHERE clause on `$1`..`$5` (service, environment, status, from, until).
const MATCHES: &str = "($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2) \
                       AND ($3::text IS NULL OR status = $3) AND ($4::timestamptz IS NULL OR started_at >= $4) \
                       AND ($5::timestamptz IS NULL OR started_at < $5)";

fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    filter: &'q DeploymentQuery,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(filter.service.as_deref())
        .bind(filter.environment.as_deref())
        .bind(filter.status.map(DeploymentStatus::as_str))
        .bind(filter.from)
        .bind(filter.until)
}

/// How many deployments match the filter.
pub async fn count(conn: &mut PgConnection, filter: &DeploymentQuery) -> sqlx::Result<i64> {
    let (count,): (i64,) = bind_filter(
        sqlx::query_as(&format!("SELECT count(*) FROM deployments WHERE {MATCHES}")),
        filter,
    )
    .fetch_one(conn)
    .await?;
    Ok(count)
}

/// One page of the matching deployments in the filter's order (ties: newest first).
pub async fn page(conn: &mut PgConnection, filter: &DeploymentQuery, page_size: i64) -> sqlx::Result<Vec<Deployment>> {
    // Only fixed column names reach the SQL text.
    let column = match filter.sort {
        SortKey::Started => "started_at",
        SortKey::Service => "service",
        SortKey::Version => "version",
        SortKey::Environment => "environment",
        SortKey::Status => "status",
    };
    let direction = if filter.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM deployments WHERE {MATCHES} \
         ORDER BY {column} {direction}, started_at DESC, id DESC LIMIT $6 OFFSET $7"
    );
    let rows: Vec<Row> = bind_filter(sqlx::query_as(&sql), filter)
        .bind(page_size)
        .bind(i64::from(filter.page) * page_size)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Deployment::from).collect())
}

/// The newest `limit` matching deployments, newest first.
pub async fn newest(conn: &mut PgConnection, filter: &DeploymentQuery, limit: i64) -> sqlx::Result<Vec<Deployment>> {
    let sql = format!("SELECT {COLUMNS} FROM deployments WHERE {MATCHES} ORDER BY started_at DESC, id DESC LIMIT $6");
    let rows: Vec<Row> = bind_filter(sqlx::query_as(&sql), filter)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Deployment::from).collect())
}

/// Services and environments with deployments, each by name.
pub async fn known_names(conn: &mut PgConnection) -> sqlx::Result<(Vec<String>, Vec<String>)> {
    let services = sqlx::query_scalar("SELECT DISTINCT service FROM deployments ORDER BY service")
        .fetch_all(&mut *conn)
        .await?;
    let environments = sqlx::query_scalar("SELECT DISTINCT environment FROM deployments ORDER BY environment")
        .fetch_all(&mut *conn)
        .await?;
    Ok((services, environments))
}

/// Deployments of `service` that started in `[from, to)`, oldest first.
#[tracing::instrument(skip(conn), err)]
pub async fn markers(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<DeploymentMarker>> {
    let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, version, environment, status, started_at FROM deployments \
         WHERE service = $1 AND started_at >= $2 AND started_at < $3 ORDER BY started_at, id LIMIT 500",
    )
    .bind(service)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, version, environment, status, started_at)| DeploymentMarker {
            id,
            version,
            environment,
            status: DeploymentStatus::parse(&status).unwrap_or(DeploymentStatus::Started),
            started_at,
        })
        .collect())
}

/// What an audit entry records of a deployment.
pub fn audit_snapshot(deployment: &Deployment) -> Value {
    json!({
        "service": deployment.service,
        "version": deployment.version,
        "environment": deployment.environment,
        "commit": deployment.commit,
        "status": deployment.status.as_str(),
        "started_at": deployment.started_at,
        "finished_at": deployment.finished_at,
        "deployed_by": deployment.deployed_by,
        "notes_url": deployment.notes_url,
        "source": deployment.source.as_str(),
    })
}
