//! The Overview's service tiles: every service seen in the last day,
//! coloured by its last `OVERVIEW_WINDOW_MINUTES` minutes.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::queries;
use crate::error::AppError;
use crate::metrics::ServiceSummary;
use crate::metrics::pages::{OVERVIEW_WINDOW_MINUTES, ServiceTile, tile_health};
use crate::monitoring::MonitoringSettings;

/// What the tiles are made of, as read at one moment: shared by every
/// viewer for a few seconds (`overview_reads`); thresholds are applied per
/// request ([`tiles`]), so a saved threshold shows at once.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceReads {
    /// Services seen in the last day.
    pub known: Vec<String>,
    /// Summaries of the last `OVERVIEW_WINDOW_MINUTES` minutes.
    pub recent: Vec<ServiceSummary>,
}

/// Reads the services as they stand at `now`.
pub async fn read_services(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<ServiceReads, AppError> {
    let known = queries::known_services(&mut *conn, now - Duration::days(1))
        .await
        .map_err(|e| AppError::internal("overview: services", e))?;
    let recent = queries::service_summary(&mut *conn, now - Duration::minutes(OVERVIEW_WINDOW_MINUTES), now)
        .await
        .map_err(|e| AppError::internal("overview: summaries", e))?;
    Ok(ServiceReads { known, recent })
}

/// The tiles, by service name, coloured with `settings`' thresholds.
pub fn tiles(reads: &ServiceReads, settings: &MonitoringSettings) -> Vec<ServiceTile> {
    let recent = &reads.recent;
    let mut tiles: Vec<ServiceTile> = reads
        .known
        .iter()
        .map(|service| {
            let recent = recent.iter().find(|s| &s.service == service).cloned();
            let thresholds = settings.tiles_for(service);
            ServiceTile {
                health: recent.as_ref().map(|summary| tile_health(summary, &thresholds)),
                recent,
                service: service.clone(),
                thresholds,
            }
        })
        .collect();
    // A service can have sent its first requests after the day's list was read.
    let unlisted: Vec<&ServiceSummary> = recent
        .iter()
        .filter(|s| !tiles.iter().any(|t| t.service == s.service))
        .collect();
    for summary in unlisted {
        let thresholds = settings.tiles_for(&summary.service);
        tiles.push(ServiceTile {
            service: summary.service.clone(),
            health: Some(tile_health(summary, &thresholds)),
            recent: Some(summary.clone()),
            thresholds,
        });
    }
    tiles.sort_by(|a, b| a.service.cmp(&b.service));
    tiles
}
