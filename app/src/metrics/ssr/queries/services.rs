//! Which services and endpoints the kept history holds, from the hourly
//! rollups' indexes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Whether `service` has had requests to `endpoint` since `since` (one
/// probe of the hourly endpoint rollups' `(service, endpoint, hour)` index).
#[tracing::instrument(skip(conn), err)]
pub async fn serves_endpoint(
    conn: &mut PgConnection,
    service: &str,
    endpoint: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM request_rollups_1h \
                        WHERE service = $1 AND endpoint = $2 AND hour > $3 - INTERVAL '1 hour')",
    )
    .bind(service)
    .bind(endpoint)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// Services with rollups since `since`, by name. A skip scan over the
/// hourly service rollups' primary key (service first): one short index
/// probe per service and kept partition, instead of reading every row of
/// 90 days.
#[tracing::instrument(skip(conn), err)]
pub async fn known_services(conn: &mut PgConnection, since: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "WITH RECURSIVE s(service) AS ( \
             (SELECT service FROM service_rollups_1h WHERE hour > $1 - INTERVAL '1 hour' ORDER BY service LIMIT 1) \
             UNION ALL \
             SELECT (SELECT r.service FROM service_rollups_1h r \
                     WHERE r.service > s.service AND r.hour > $1 - INTERVAL '1 hour' ORDER BY r.service LIMIT 1) \
             FROM s WHERE s.service IS NOT NULL) \
         SELECT service FROM s WHERE service IS NOT NULL",
    )
    .bind(since)
    .fetch_all(conn)
    .await
}
