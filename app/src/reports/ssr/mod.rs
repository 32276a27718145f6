//! A month's report read from what Opsdeck already stores: the request
//! rollups (each service's month against the month before), SLOs (the SLO
//! area's budgets, this month and the eleven before), alert events
//! (incidents), deployments with their impact, backup runs and checks.
//! Reports are shared between readers for [`FRESH`] (`cache.rs`);
//! `digest.rs` sums a week or month up for a scheduled post, `schedules.rs`
//! keeps the schedules and posts what is due.

pub mod backups;
mod cache;
pub mod deployments;
pub mod digest;
pub mod incidents;
pub mod schedules;
pub mod slos;

pub use cache::{FRESH, MonthlyCache};

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::month::Month;
use super::view::{DeploymentTotals, Figures, IncidentTotals, Report, ServicePerformance};
use crate::metrics::ssr::queries::{Merged, per_service};

/// The report of `month` for `service` (or every service), as of `now`.
pub async fn report(
    conn: &mut PgConnection,
    month: Month,
    service: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Report> {
    let (from, to) = (month.start(), month.end().min(now));
    let performance = performance(conn, month, service, now).await?;
    let incidents = incidents::fired(conn, from, to, service).await?;
    let deployments = deployments::deployed(conn, from, to, service, now).await?;
    let backups = backups::per_target(conn, from, to).await?;
    let (slos, history) = slos::compliance(conn, month, service, now).await?;
    let mut services: Vec<String> = performance.iter().map(|p| p.service.clone()).collect();
    services.extend(incidents.iter().map(|i| i.service.clone()));
    services.extend(deployments.iter().map(|d| d.service.clone()));
    services.sort();
    services.dedup();
    Ok(Report {
        month,
        service: service.map(str::to_string),
        services,
        complete: now >= month.end(),
        computed_at: now,
        incident_totals: IncidentTotals::of(&incidents),
        deployment_totals: DeploymentTotals::of(&deployments),
        performance,
        incidents,
        deployments,
        backups,
        slos,
        history,
    })
}

/// Each service's month (up to `now`) against the whole month before.
async fn performance(
    conn: &mut PgConnection,
    month: Month,
    service: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<ServicePerformance>> {
    let wanted = |merged: &Merged<String>| service.is_none_or(|s| s == merged.key);
    let this = per_service(conn, month.start(), month.end().min(now)).await?;
    let last = per_service(conn, month.previous().start(), month.start()).await?;
    Ok(this
        .iter()
        .filter(|merged| wanted(merged))
        .map(|merged| ServicePerformance {
            service: merged.key.clone(),
            this_month: figures(merged),
            last_month: last.iter().find(|l| l.key == merged.key).map(figures),
        })
        .collect())
}

pub(crate) fn figures(merged: &Merged<String>) -> Figures {
    Figures {
        requests: merged.count,
        errors: merged.errors,
        p50_ms: merged.quantile(0.5),
        p95_ms: merged.quantile(0.95),
        p99_ms: merged.quantile(0.99),
    }
}
