//! The month's deployments: each with the Deployments page's impact verdict
//! and, when within [`FAILURE_WINDOW_MINUTES`] of its start a critical
//! alert of its service fired or one of its service's error issues
//! regressed, the first such event (what makes it a failed change).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::deployments::DeploymentQuery;
use crate::deployments::impact::Verdict;
use crate::errors::ssr::tally::REGRESSIONS;
use crate::reports::view::{ChangeFailure, DeploymentRow, FAILURE_WINDOW_MINUTES};

/// At most this many deployments in one month's report.
const MOST: i64 = 5_000;

/// Deployments that started in `[from, to)`, oldest first.
pub async fn deployed(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    service: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<DeploymentRow>> {
    let query = DeploymentQuery {
        service: service.map(str::to_string),
        from: Some(from),
        until: Some(to),
        ..Default::default()
    };
    let mut deployments = crate::deployments::ssr::newest(conn, &query, MOST).await?;
    deployments.reverse();
    let impacts = crate::deployments::ssr::impact::impacts(conn, &deployments, now).await?;
    let ids: Vec<i64> = deployments.iter().map(|d| d.id).collect();
    let failures = failures(conn, &ids).await?;
    Ok(deployments
        .into_iter()
        .zip(impacts)
        .zip(failures)
        .map(|((deployment, impact), failure)| DeploymentRow {
            id: deployment.id,
            service: deployment.service,
            version: deployment.version,
            environment: deployment.environment,
            status: deployment.status,
            started_at: deployment.started_at,
            worse: impact.verdict == Verdict::Worse,
            failure,
        })
        .collect())
}

type FailureRow = (
    i64,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// For each deployment (ids, in order), the first critical firing or
/// regression of its service within the window after its start.
async fn failures(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<Option<ChangeFailure>>> {
    let rows: Vec<FailureRow> = sqlx::query_as(&format!(
        "SELECT d.id, alert.rule_id, alert.name, alert.at, regression.issue, regression.at \
         FROM deployments d \
         LEFT JOIN LATERAL ( \
             SELECT e.rule_id, r.name, e.at FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id \
             WHERE r.service = d.service AND e.to_state = 'firing' AND e.severity = 'critical' \
               AND e.at >= d.started_at AND e.at < d.started_at + make_interval(mins => $2) \
             ORDER BY e.at LIMIT 1) alert ON true \
         LEFT JOIN LATERAL ( \
             SELECT x.issue, x.at FROM ({REGRESSIONS}) x \
             WHERE x.service = d.service AND x.at >= d.started_at AND x.at < d.started_at + make_interval(mins => $2) \
             ORDER BY x.at LIMIT 1) regression ON true \
         WHERE d.id = ANY($1)"
    ))
    .bind(ids)
    .bind(FAILURE_WINDOW_MINUTES as i32)
    .fetch_all(conn)
    .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let (_, rule_id, rule, alert_at, issue, regressed_at) = rows.iter().find(|row| row.0 == *id)?.clone();
            let alert = rule_id.zip(alert_at).map(|(rule_id, at)| ChangeFailure::CriticalAlert {
                rule_id,
                rule: rule.unwrap_or_default(),
                at,
            });
            let regression = issue
                .and_then(|issue| issue.parse().ok())
                .zip(regressed_at)
                .map(|(issue_id, at)| ChangeFailure::RegressedIssue { issue_id, at });
            // The earlier of the two.
            match (alert, regression) {
                (Some(alert), Some(regression)) => Some(if failure_at(&regression) < failure_at(&alert) {
                    regression
                } else {
                    alert
                }),
                (alert, regression) => alert.or(regression),
            }
        })
        .collect())
}

fn failure_at(failure: &ChangeFailure) -> DateTime<Utc> {
    match failure {
        ChangeFailure::CriticalAlert { at, .. } | ChangeFailure::RegressedIssue { at, .. } => *at,
    }
}
