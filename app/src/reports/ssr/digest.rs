//! A week's or month's [`Digest`] from the report's own queries: the same
//! incidents, deployments, backups, SLO budgets and service figures the
//! report page shows, over the schedule's period.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{backups, deployments, figures, incidents, slos};
use crate::metrics::ssr::queries::per_service;
use crate::reports::digest::Digest;
use crate::reports::schedule::Period;
use crate::reports::view::{DeploymentTotals, IncidentTotals};

/// The summary of the whole `period` before `now`, for `service` (or every service).
pub async fn summarise(
    conn: &mut PgConnection,
    period: Period,
    service: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Digest> {
    let (from, to) = period.before(now);
    let incidents = incidents::fired(conn, from, to, service).await?;
    let deployments = deployments::deployed(conn, from, to, service, now).await?;
    let backups = backups::per_target(conn, from, to).await?;
    let mut slo_rows = Vec::new();
    for slo in slos::of_service(conn, service).await? {
        slo_rows.push(slos::row(conn, &slo, from, to, now).await?);
    }
    let mut services: Vec<_> = per_service(conn, from, to)
        .await?
        .iter()
        .filter(|merged| service.is_none_or(|s| s == merged.key))
        .map(|merged| (merged.key.clone(), figures(merged)))
        .collect();
    // The busiest first: the text names the first few.
    services.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then_with(|| a.0.cmp(&b.0)));
    Ok(Digest {
        title: period.title(from, to),
        period,
        from,
        to,
        service: service.map(str::to_string),
        slos: slo_rows,
        incidents: IncidentTotals::of(&incidents),
        deployments: DeploymentTotals::of(&deployments),
        backup_runs: backups.iter().map(|b| b.runs).sum(),
        backups_succeeded: backups.iter().map(|b| b.succeeded).sum(),
        services,
    })
}
