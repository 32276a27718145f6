//! Request rollups read back: per-minute merges for alert rules, latency
//! series for the charts, the live view's points, per-service summaries and
//! per-endpoint tables.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::range::{RangeQuery, Scope, merge_rows_sql};
use crate::metrics::ssr::merged::Merged;
use crate::metrics::{EndpointOrder, EndpointStats, LatencyPoint, ServiceSummary};

/// The requests of `service` (one endpoint or all) in `[from, to)`, merged
/// per minute (ascending), histograms included: what alert rules aggregate.
#[tracing::instrument(skip(conn), err)]
pub async fn request_minutes(
    conn: &mut PgConnection,
    service: &str,
    endpoint: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Merged<DateTime<Utc>>>> {
    RangeQuery {
        scope: Scope::of(endpoint),
        key: "t",
        service: Some(service),
        endpoint,
        from,
        to,
        step: None,
        minutes_only: true,
    }
    .fetch(conn)
    .await
}

/// Latency of `service` (one endpoint or all) in `[from, to)`, one point per
/// `step` (at least a minute) starting at `from`; steps without requests are
/// left out.
#[tracing::instrument(skip(conn), err)]
pub async fn latency_series(
    conn: &mut PgConnection,
    service: &str,
    endpoint: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> sqlx::Result<Vec<LatencyPoint>> {
    let merged: Vec<Merged<DateTime<Utc>>> = RangeQuery {
        scope: Scope::of(endpoint),
        key: "date_bin($7::bigint * INTERVAL '1 second', t, $3)",
        service: Some(service),
        endpoint,
        from,
        to,
        step: Some(step.max(Duration::minutes(1))),
        minutes_only: false,
    }
    .fetch(conn)
    .await?;
    Ok(merged.into_iter().map(Merged::into_point).collect())
}

/// The service-wide points of the given `(service, minute)`s, as stored
/// (the service tier keeps one row per key): what the live view publishes
/// after a batch. Keys without requests are left out.
#[tracing::instrument(skip_all, err)]
pub async fn service_minute_points(
    conn: &mut PgConnection,
    keys: &[(&str, DateTime<Utc>)],
) -> sqlx::Result<Vec<(String, LatencyPoint)>> {
    use sqlx::Row;
    let (services, minutes): (Vec<&str>, Vec<DateTime<Utc>>) = keys.iter().copied().unzip();
    let rows = sqlx::query(
        "SELECT service, minute AS key, count, errors, sum_ms, min_ms, max_ms, hist_idx AS idx, hist_cnt AS cnt \
         FROM service_rollups_1m JOIN UNNEST($1::text[], $2::timestamptz[]) AS k(service, minute) USING (service, minute) \
         ORDER BY service, minute",
    )
    .bind(services)
    .bind(minutes)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("service")?,
                Merged::<DateTime<Utc>>::from_row(row)?.into_point(),
            ))
        })
        .collect()
}

/// Service-wide requests in each of `windows` (`(service, from, to)`, each
/// shorter than an hour, so the minute tier answers it whole), merged into
/// one point per window (`t` is its start), one query for them all. The
/// result is in the order of `windows`; `None` where a window had no requests.
#[tracing::instrument(skip_all, err)]
pub async fn window_points(
    conn: &mut PgConnection,
    windows: &[(&str, DateTime<Utc>, DateTime<Utc>)],
) -> sqlx::Result<Vec<Option<LatencyPoint>>> {
    let numbers: Vec<i32> = (0..i32::try_from(windows.len()).unwrap_or(i32::MAX)).collect();
    let services: Vec<&str> = windows.iter().map(|w| w.0).collect();
    let froms: Vec<DateTime<Utc>> = windows.iter().map(|w| w.1).collect();
    let tos: Vec<DateTime<Utc>> = windows.iter().map(|w| w.2).collect();
    let (merge, select) = merge_rows_sql("key");
    let sql = format!(
        "WITH rows AS MATERIALIZED ( \
             SELECT w.n AS key, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt \
             FROM UNNEST($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(n, service, from_t, to_t) \
             JOIN service_rollups_1m r ON r.service = w.service AND r.minute >= w.from_t AND r.minute < w.to_t \
         ), {merge} {select} ORDER BY key"
    );
    let rows = sqlx::query(&sql)
        .bind(&numbers)
        .bind(services)
        .bind(froms)
        .bind(tos)
        .fetch_all(conn)
        .await?;
    let mut points = vec![None; windows.len()];
    for row in &rows {
        let merged = Merged::<i32>::from_row(row)?;
        if let Some((slot, window)) = usize::try_from(merged.key)
            .ok()
            .and_then(|n| points.get_mut(n).zip(windows.get(n)))
        {
            *slot = Some(merged.with_key(window.1).into_point());
        }
    }
    Ok(points)
}

/// Every service's requests in `[from, to)`, merged, by name.
#[tracing::instrument(skip(conn), err)]
pub async fn per_service(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Merged<String>>> {
    RangeQuery::per_key(Scope::Service, "service", None, from, to)
        .fetch(conn)
        .await
}

/// Every service with requests in `[from, to)`, by name.
#[tracing::instrument(skip(conn), err)]
pub async fn service_summary(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<ServiceSummary>> {
    let merged = per_service(conn, from, to).await?;
    let seconds = (to - from).num_milliseconds().max(1) as f64 / 1000.0;
    Ok(merged
        .into_iter()
        .map(|m| ServiceSummary {
            throughput_per_s: m.count as f64 / seconds,
            error_rate: m.error_rate(),
            p95_ms: m.quantile(0.95),
            requests: m.count,
            errors: m.errors,
            service: m.key,
        })
        .collect())
}

/// The endpoints of `service` in `[from, to)`, slowest (P95) or most failing
/// (error rate, then errors) first.
#[tracing::instrument(skip(conn), err)]
pub async fn endpoint_table(
    conn: &mut PgConnection,
    service: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    order: EndpointOrder,
) -> sqlx::Result<Vec<EndpointStats>> {
    let merged: Vec<Merged<String>> = RangeQuery::per_key(Scope::Endpoints, "endpoint", Some(service), from, to)
        .fetch(conn)
        .await?;
    let mut stats: Vec<EndpointStats> = merged
        .into_iter()
        .map(|m| EndpointStats {
            requests: m.count,
            errors: m.errors,
            error_rate: m.error_rate(),
            avg_ms: m.avg_ms(),
            p50_ms: m.quantile(0.50),
            p95_ms: m.quantile(0.95),
            p99_ms: m.quantile(0.99),
            max_ms: m.max_ms,
            endpoint: m.key,
        })
        .collect();
    sort_endpoints(&mut stats, order);
    Ok(stats)
}

/// Orders an endpoint table: slowest (P95) or most failing first.
pub fn sort_endpoints(stats: &mut [EndpointStats], order: EndpointOrder) {
    match order {
        EndpointOrder::SlowestP95 => {
            stats.sort_by(|a, b| b.p95_ms.total_cmp(&a.p95_ms).then_with(|| a.endpoint.cmp(&b.endpoint)))
        }
        EndpointOrder::MostFailing => stats.sort_by(|a, b| {
            b.error_rate
                .total_cmp(&a.error_rate)
                .then_with(|| b.errors.cmp(&a.errors))
                .then_with(|| a.endpoint.cmp(&b.endpoint))
        }),
    }
}
