//! The Data stores page's reading: per store, one query for every series
//! its catalogue charts over the window (per-minute rollups, averaged per
//! step), one for the newest value of each sample, how its last reading
//! went (`data_store_status`) and the firing alert rules of its service,
//! which make it degraded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use super::status::{STALE_AFTER, status_of};
use crate::datastores::targets::DataStoreTarget;
use crate::datastores::view::{CATALOGUES, Catalogue, DataStores, Series, StoreView, TargetPage, catalogue_of};
use crate::error::AppError;
use crate::metrics::window::Window;

type Labels = Json<BTreeMap<String, String>>;

pub async fn data_stores(conn: &mut PgConnection, window: &Window) -> Result<DataStores, AppError> {
    let mut stores = Vec::with_capacity(CATALOGUES.len());
    for catalogue in &CATALOGUES {
        stores.push(
            store_view(conn, catalogue, catalogue.service, window, Utc::now())
                .await
                .map_err(AppError::internal_in("data stores: read"))?,
        );
    }
    let targets = tiles(conn).await?;
    Ok(DataStores {
        range: window.range,
        from: window.from,
        to: window.to,
        stores,
        targets,
    })
}

/// The added targets as their tiles show them (who added each left out).
pub async fn tiles(conn: &mut PgConnection) -> Result<Vec<DataStoreTarget>, AppError> {
    let mut targets = super::targets::list(conn)
        .await
        .map_err(AppError::internal_in("data stores: targets"))?;
    for target in &mut targets {
        target.created_by = None;
    }
    Ok(targets)
}

/// A monitored target's page: its kind's catalogue read for its service;
/// its status as its tile shows it.
pub async fn target_page(conn: &mut PgConnection, id: i64, window: &Window) -> Result<TargetPage, AppError> {
    let mut target = super::targets::load(conn, id)
        .await
        .map_err(AppError::internal_in("data stores: target"))?
        .ok_or(AppError::NotFound)?;
    target.created_by = None;
    let catalogue = catalogue_of(target.kind);
    let mut store = store_view(conn, &catalogue, &target.service, window, Utc::now())
        .await
        .map_err(AppError::internal_in("data stores: read target"))?;
    store.status = target.status;
    store.reason = target.reason.clone();
    store.last_read = target.last_read;
    Ok(TargetPage {
        target,
        range: window.range,
        from: window.from,
        to: window.to,
        store,
    })
}

async fn store_view(
    conn: &mut PgConnection,
    catalogue: &Catalogue,
    service: &str,
    window: &Window,
    now: DateTime<Utc>,
) -> sqlx::Result<StoreView> {
    let mut names: Vec<&str> = catalogue
        .charts
        .iter()
        .flat_map(|chart| chart.lines.iter().map(|(_, series)| series.metric))
        .chain(catalogue.numbers.iter().map(|number| number.series.metric))
        .collect();
    names.sort_unstable();
    names.dedup();
    let binned: Vec<(DateTime<Utc>, String, Labels, f64)> = sqlx::query_as(
        "SELECT date_bin($4::bigint * INTERVAL '1 second', minute, $2) AS t, name, labels, \
                (sum(sum::numeric) / sum(count))::float8 \
         FROM metric_rollups_1m \
         WHERE service = $1 AND minute >= $2 AND minute < $3 AND name = ANY($5) \
         GROUP BY 1, 2, 3 ORDER BY 1",
    )
    .bind(service)
    .bind(window.from)
    .bind(window.to)
    .bind(window.step.num_seconds().max(60))
    .bind(&names)
    .fetch_all(&mut *conn)
    .await?;
    let newest: Vec<(String, Labels, f64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT DISTINCT ON (name, labels) name, labels, value, ts FROM metric_samples \
         WHERE service = $1 AND name = ANY($2) AND ts > $3 ORDER BY name, labels, ts DESC",
    )
    .bind(service)
    .bind(&names)
    .bind(now - STALE_AFTER)
    .fetch_all(&mut *conn)
    .await?;
    let firing: Vec<String> = sqlx::query_scalar(
        "SELECT r.name FROM alert_states s JOIN alert_rules r ON r.id = s.rule_id \
         WHERE r.service = $1 AND r.enabled AND s.state = 'firing' ORDER BY r.name",
    )
    .bind(service)
    .fetch_all(&mut *conn)
    .await?;
    let charts = catalogue
        .charts
        .iter()
        .map(|chart| chart.lines.iter().map(|(_, series)| points(&binned, series)).collect())
        .collect();
    let latest = |series: &Series| {
        newest
            .iter()
            .filter(|(name, labels, _, _)| series.matches(name, labels))
            .map(|(_, _, value, _)| *value)
            .reduce(f64::max)
    };
    let numbers = catalogue.numbers.iter().map(|number| latest(&number.series)).collect();
    let last: Option<(DateTime<Utc>, bool, Option<String>)> =
        sqlx::query_as("SELECT read_at, ok, reason FROM data_store_status WHERE service = $1 AND read_at > $2")
            .bind(service)
            .bind(now - STALE_AFTER)
            .fetch_optional(&mut *conn)
            .await?;
    let (status, reason, last_read) = status_of(last, &firing);
    Ok(StoreView {
        service: service.to_string(),
        status,
        reason,
        last_read,
        numbers,
        charts,
    })
}

/// One line: per step, the highest of the series's label sets (the
/// furthest replica, the largest database).
fn points(binned: &[(DateTime<Utc>, String, Labels, f64)], series: &Series) -> Vec<(i64, f64)> {
    let mut by_time: BTreeMap<i64, f64> = BTreeMap::new();
    for (t, name, labels, value) in binned {
        if series.matches(name, labels) {
            let point = by_time.entry(t.timestamp_millis()).or_insert(*value);
            *point = point.max(*value);
        }
    }
    by_time.into_iter().collect()
}
