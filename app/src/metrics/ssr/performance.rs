//! The Performance page's report: the services and endpoints to pick from,
//! and for the chosen one its series, key numbers and endpoint tables, read
//! from the rollups through the report cache, plus its deployments.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::queries;
use super::report_cache::{ReportKey, RollupReport};
use crate::error::AppError;
use crate::metrics::EndpointOrder;
use crate::metrics::pages::{PerformanceQuery, PerformanceReport};
use crate::metrics::window::{OLDEST_DAYS, TimeRange, Window};
use crate::state::AppState;
use crate::url::present;

/// The endpoint tables show this many rows each.
const ENDPOINT_ROWS: usize = 10;

/// The report for `query` over `window` (parsed from it at `now`); the
/// service's deployments only `with_deployments`.
pub async fn report(
    state: &AppState,
    query: &PerformanceQuery,
    window: Window,
    now: DateTime<Utc>,
    with_deployments: bool,
    with_traces: bool,
) -> Result<PerformanceReport, AppError> {
    let mut conn = state.connection("performance: acquire").await?;
    let services = queries::known_services(&mut conn, now - Duration::days(OLDEST_DAYS))
        .await
        .map_err(AppError::internal_in("performance: services"))?;
    let service = present(&query.service)
        .map(str::to_string)
        .or_else(|| services.first().cloned());
    let mut endpoint = present(&query.endpoint).map(str::to_string);
    let mut unserved_endpoint = None;
    if let (Some(service), Some(name)) = (&service, &endpoint) {
        let served = queries::serves_endpoint(&mut conn, service, name, now - Duration::days(OLDEST_DAYS))
            .await
            .map_err(AppError::internal_in("performance: endpoint"))?;
        if !served {
            unserved_endpoint = endpoint.take();
        }
    }
    let mut report = PerformanceReport {
        services,
        service: service.clone(),
        endpoint: endpoint.clone(),
        unserved_endpoint,
        endpoints: Vec::new(),
        range: window.range,
        from: window.from,
        to: window.to,
        step_secs: window.step.num_seconds(),
        series: Vec::new(),
        overall: None,
        slowest: Vec::new(),
        failing: Vec::new(),
        deployments: None,
        slowest_traces: None,
    };
    let Some(service) = service else { return Ok(report) };
    if with_deployments {
        let markers = crate::deployments::ssr::markers(&mut conn, &service, window.from, window.to)
            .await
            .map_err(AppError::internal_in("performance: deployments"))?;
        report.deployments = Some(markers);
    }
    drop(conn);
    if with_traces && let Some(endpoint) = &endpoint {
        report.slowest_traces = Some(crate::traces::ssr::read::slowest(state, &service, endpoint, &window).await?);
    }
    let rollups = cached_rollups(state, service, endpoint, window).await?;
    fill_from_rollups(&mut report, &rollups);
    Ok(report)
}

/// The rollup part of the report, from the cache or computed now.
async fn cached_rollups(
    state: &AppState,
    service: String,
    endpoint: Option<String>,
    window: Window,
) -> Result<std::sync::Arc<RollupReport>, AppError> {
    let key = ReportKey {
        service: service.clone(),
        endpoint: endpoint.clone(),
        range: window.range,
        custom: (window.range == TimeRange::Custom).then_some((window.from, window.to)),
    };
    let report_state = state.clone();
    state
        .reports
        .get_or_compute(key, window.from, move || async move {
            let mut conn = report_state.connection("performance: acquire").await?;
            rollup_report(&mut conn, &service, endpoint.as_deref(), &window).await
        })
        .await
}

/// The series, key numbers and both endpoint tables from `rollups`.
fn fill_from_rollups(report: &mut PerformanceReport, rollups: &RollupReport) {
    let slowest = &rollups.endpoints;
    let mut failing = slowest.clone();
    queries::sort_endpoints(&mut failing, EndpointOrder::MostFailing);
    let mut endpoints: Vec<String> = slowest.iter().map(|e| e.endpoint.clone()).collect();
    endpoints.sort();
    report.endpoints = endpoints;
    // A stale answer from the step before may start one step early.
    report.series = rollups.series.iter().filter(|p| p.t >= report.from).cloned().collect();
    report.overall = rollups.overall.clone();
    report.slowest = slowest.iter().take(ENDPOINT_ROWS).cloned().collect();
    report.failing = failing
        .into_iter()
        .filter(|e| e.errors > 0)
        .take(ENDPOINT_ROWS)
        .collect();
}

/// What the page reads from the rollups for `service` in `window`.
async fn rollup_report(
    conn: &mut PgConnection,
    service: &str,
    endpoint: Option<&str>,
    window: &Window,
) -> Result<RollupReport, AppError> {
    let (from, to) = (window.from, window.to);
    let series = queries::latency_series(&mut *conn, service, endpoint, from, to, window.step)
        .await
        .map_err(AppError::internal_in("performance: series"))?;
    // One step longer than the window: the whole window falls into one point.
    let whole = (to - from) + Duration::minutes(1);
    let overall = queries::latency_series(&mut *conn, service, endpoint, from, to, whole)
        .await
        .map_err(AppError::internal_in("performance: overall"))?
        .into_iter()
        .next();
    // One query for both tables: the rows are the same, only the order differs.
    let endpoints = queries::endpoint_table(&mut *conn, service, from, to, EndpointOrder::SlowestP95)
        .await
        .map_err(AppError::internal_in("performance: endpoints"))?;
    Ok(RollupReport {
        series,
        overall,
        endpoints,
    })
}
