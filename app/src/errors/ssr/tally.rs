//! The queries behind `errors::tally` and the error alert rules: which
//! issues of which service were new, or regressed, when. A new issue is
//! one first seen then; a regression is the audit entry the store writes
//! when an event reopens a resolved issue (`reopen`), at the time it did.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::errors::tally::{IssueTally, ServiceTally};

/// `(service, at, issue)` of every issue's first sighting.
pub(super) const NEW_ISSUES: &str = "SELECT p.service, i.first_seen AS at, i.id::text AS issue \
     FROM error_issues i JOIN error_projects p ON p.id = i.project_id";

/// `(service, at, issue)` of every regression.
pub(crate) const REGRESSIONS: &str = "SELECT p.service, a.at, a.target_id AS issue FROM audit_log a \
     JOIN error_issues i ON i.id::text = a.target_id JOIN error_projects p ON p.id = i.project_id \
     WHERE a.action = 'error_issue.regress' AND a.target_type = 'error_issue' AND a.outcome = 'success'";

/// Every service with a new or regressed issue since `since`, by name.
pub async fn per_service(conn: &mut PgConnection, since: DateTime<Utc>) -> sqlx::Result<Vec<ServiceTally>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
        "WITH new AS (SELECT service, count(*) AS n FROM ({NEW_ISSUES}) x WHERE at >= $1 GROUP BY 1), \
         back AS (SELECT service, count(DISTINCT issue) AS n FROM ({REGRESSIONS}) x WHERE at >= $1 GROUP BY 1) \
         SELECT service, coalesce(new.n, 0), coalesce(back.n, 0) FROM new FULL JOIN back USING (service) \
         ORDER BY service"
    ))
    .bind(since)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(service, new, regressed)| ServiceTally {
            service,
            tally: IssueTally { new, regressed },
        })
        .collect())
}

/// For each of `deployments` (ids), the issues of its service new or
/// regressed from its start until the service's next deployment (or `now`):
/// what that deployment brought. In the order given; 0s for an unknown id.
pub async fn per_deployment(
    conn: &mut PgConnection,
    deployments: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<IssueTally>> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "WITH span AS ( \
             SELECT d.id, d.service, d.started_at AS from_ts, \
                 coalesce((SELECT min(n.started_at) FROM deployments n \
                           WHERE n.service = d.service AND n.started_at > d.started_at), $2) AS to_ts \
             FROM deployments d WHERE d.id = ANY($1)) \
         SELECT span.id, \
             (SELECT count(*) FROM ({NEW_ISSUES}) x \
              WHERE x.service = span.service AND x.at >= span.from_ts AND x.at < span.to_ts), \
             (SELECT count(DISTINCT issue) FROM ({REGRESSIONS}) x \
              WHERE x.service = span.service AND x.at >= span.from_ts AND x.at < span.to_ts) \
         FROM span"
    ))
    .bind(deployments)
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(deployments
        .iter()
        .map(|id| {
            rows.iter()
                .find(|(row, _, _)| row == id)
                .map(|(_, new, regressed)| IssueTally {
                    new: *new,
                    regressed: *regressed,
                })
                .unwrap_or_default()
        })
        .collect())
}
