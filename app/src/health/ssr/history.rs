//! The Health page's reading: each check's response-time series and its
//! per-minute `up` samples (for incidents and availability), from Opsdeck's
//! own metrics.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::Duration;
use sqlx::PgConnection;

use crate::error::AppError;
use crate::health::history::{CHECKS, CheckHistory, HealthHistory, LatestCheck, MAX_INCIDENTS, incidents, status_of};
use crate::metrics::ssr::queries::metric_series;
use crate::metrics::window::Window;

/// The service Opsdeck's own samples are stored under.
const SERVICE: &str = "opsdeck";

/// Every check over `window`; `degraded_after` is the threshold the page shows.
pub async fn health_history(
    conn: &mut PgConnection,
    window: &Window,
    degraded_after: StdDuration,
) -> Result<HealthHistory, AppError> {
    let mut checks = Vec::with_capacity(CHECKS.len());
    for check in CHECKS {
        checks.push(check_history(conn, check, window).await?);
    }
    Ok(HealthHistory {
        range: window.range,
        from: window.from,
        to: window.to,
        step_secs: window.step.num_seconds(),
        degraded_ms: degraded_after.as_millis() as u64,
        checks,
    })
}

async fn check_history(conn: &mut PgConnection, check: &str, window: &Window) -> Result<CheckHistory, AppError> {
    let fail = |e: sqlx::Error| AppError::internal("health history: series", e);
    let any = BTreeMap::new();
    let response_name = format!("health.{check}.response_ms");
    let up_name = format!("health.{check}.up");
    let response = metric_series(
        &mut *conn,
        SERVICE,
        &response_name,
        &any,
        window.from,
        window.to,
        window.step,
    )
    .await
    .map_err(fail)?;
    let up_minutes = metric_series(
        &mut *conn,
        SERVICE,
        &up_name,
        &any,
        window.from,
        window.to,
        Duration::minutes(1),
    )
    .await
    .map_err(fail)?;
    let latest = match (up_minutes.last(), response.last()) {
        (Some(up), Some(ms)) => Some(LatestCheck {
            at: up.t,
            status: status_of(up.last),
            response_ms: ms.last,
        }),
        _ => None,
    };
    let mut incidents = incidents(&up_minutes);
    incidents.reverse();
    incidents.truncate(MAX_INCIDENTS);
    Ok(CheckHistory {
        check: check.to_string(),
        minutes_sampled: up_minutes.len() as i64,
        minutes_with_problems: up_minutes.iter().filter(|m| m.min < 1.0).count() as i64,
        response,
        incidents,
        latest,
    })
}
