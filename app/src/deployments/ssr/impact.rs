//! The numbers behind deployments' impact, read from the per-minute
//! rollups with the Performance page's merge (histograms merged in
//! Postgres, P95 read by the same `LatencyHistogram`): one query for a whole
//! page of deployments, one point per window.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::deployments::Deployment;
use crate::deployments::impact::{Impact, ImpactWindow, windows};
use crate::metrics::ssr::queries::window_points;

/// The impact of each of `deployments` on its service, as it stands at
/// `now`, in their order.
pub async fn impacts(
    conn: &mut PgConnection,
    deployments: &[Deployment],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Impact>> {
    let spans: Vec<(&str, DateTime<Utc>, DateTime<Utc>)> = deployments
        .iter()
        .flat_map(|deployment| {
            let ((before_from, before_to), (after_from, after_to)) =
                windows(deployment.started_at, deployment.finished_at);
            let service = deployment.service.as_str();
            [(service, before_from, before_to), (service, after_from, after_to)]
        })
        .collect();
    let points = window_points(conn, &spans).await?;
    let window = |n: usize| {
        let (_, from, to) = spans[n];
        match &points[n] {
            Some(point) => ImpactWindow {
                from,
                to,
                requests: point.count,
                errors: point.errors,
                p95_ms: point.p95_ms,
            },
            None => ImpactWindow::empty(from, to),
        }
    };
    Ok((0..deployments.len())
        .map(|i| Impact::judge(window(2 * i), window(2 * i + 1), now))
        .collect())
}
