//! The numbers behind a deployment's impact, read from the per-minute
//! rollups with the Performance page's own query (histograms merged in
//! Postgres, P95 read by the same `LatencyHistogram`), one point per window.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::deployments::Deployment;
use crate::deployments::impact::{Impact, ImpactWindow, WINDOW_MINUTES, windows};
use crate::metrics::ssr::queries::latency_series;

/// The impact of `deployment` on its service, as it stands at `now`.
pub async fn impact_of(conn: &mut PgConnection, deployment: &Deployment, now: DateTime<Utc>) -> sqlx::Result<Impact> {
    let ((before_from, before_to), (after_from, after_to)) = windows(deployment.started_at, deployment.finished_at);
    let before = window(conn, &deployment.service, before_from, before_to).await?;
    let after = window(conn, &deployment.service, after_from, after_to).await?;
    Ok(Impact::judge(before, after, now))
}

/// The whole window as one point: a step longer than the window puts every minute in it.
async fn window(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<ImpactWindow> {
    let step = Duration::minutes(WINDOW_MINUTES + 1);
    let point = latency_series(conn, service, None, from, to, step)
        .await?
        .into_iter()
        .next();
    Ok(match point {
        Some(point) => ImpactWindow {
            from,
            to,
            requests: point.count,
            errors: point.errors,
            p95_ms: point.p95_ms,
        },
        None => ImpactWindow::empty(from, to),
    })
}
