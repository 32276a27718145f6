//! The Overview's data as its server functions answer it: each part from
//! the shared reads (`overview_reads`), computed here when missing.

use crate::alerts::Severity;
use crate::error::AppError;
use crate::errors::tally::{OVERVIEW_HOURS, ServiceTally};
use crate::health::HealthSnapshot;
use crate::metrics::pages::ServiceTile;
use crate::metrics::ssr::overview::{read_services, tiles};
use crate::state::AppState;

/// The service tiles, coloured with the thresholds as they apply now.
pub async fn service_tiles(state: &AppState) -> Result<Vec<ServiceTile>, AppError> {
    let owned = state.clone();
    let reads = state
        .overview
        .services
        .get_or_compute(|| async move {
            let mut conn = owned.connection("overview: acquire").await?;
            read_services(&mut conn, chrono::Utc::now()).await
        })
        .await?;
    Ok(tiles(&reads, &state.monitoring.current().settings))
}

/// Postgres's and Redis's checks, with when they ran.
pub async fn health(state: &AppState) -> Result<HealthSnapshot, AppError> {
    let owned = state.clone();
    let snapshot = state
        .overview
        .health
        .get_or_compute(|| async move {
            Ok(HealthSnapshot {
                readiness: crate::health::ssr::check_all(&owned.db, &owned.redis, owned.health()).await,
                checked_at: chrono::Utc::now(),
            })
        })
        .await?;
    Ok((*snapshot).clone())
}

/// Firing alerts per severity.
pub async fn firing_counts(state: &AppState) -> Result<Vec<(Severity, i64)>, AppError> {
    let owned = state.clone();
    let counts = state
        .overview
        .firing
        .get_or_compute(|| async move {
            let mut conn = owned.connection("alerts: acquire").await?;
            let counts = crate::alerts::ssr::store::firing_counts(&mut conn).await;
            counts.map_err(AppError::internal_in("alerts: firing"))
        })
        .await?;
    Ok((*counts).clone())
}

/// Services with new or regressed error issues in the last [`OVERVIEW_HOURS`] hours.
pub async fn issue_tallies(state: &AppState) -> Result<Vec<ServiceTally>, AppError> {
    let owned = state.clone();
    let tallies = state
        .overview
        .tallies
        .get_or_compute(|| async move {
            let mut conn = owned.connection("errors: acquire").await?;
            let since = chrono::Utc::now() - chrono::Duration::hours(OVERVIEW_HOURS);
            let tallies = crate::errors::ssr::tally::per_service(&mut conn, since).await;
            tallies.map_err(|e| AppError::internal("errors: tally", e))
        })
        .await?;
    Ok((*tallies).clone())
}
