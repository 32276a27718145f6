//! Metric samples read back: a named metric's series, merged over the
//! label sets that match.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::metrics::MetricPoint;

/// The metric `name` of `service` in `[from, to)`, one point per `step` (at
/// least a minute) starting at `from`, merged over every label set that
/// contains `labels` (an empty map matches all); steps without samples are
/// left out.
#[tracing::instrument(skip(conn), err)]
pub async fn metric_series(
    conn: &mut PgConnection,
    service: &str,
    name: &str,
    labels: &BTreeMap<String, String>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> sqlx::Result<Vec<MetricPoint>> {
    let labels = serde_json::to_string(labels).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_as(
        "SELECT date_bin($6::bigint * INTERVAL '1 second', minute, $4) AS t, \
                sum(count)::bigint AS count, min(min) AS min, max(max) AS max, \
                (sum(sum::numeric) / sum(count))::float8 AS avg, \
                (array_agg(last ORDER BY last_ts DESC))[1] AS last \
         FROM metric_rollups_1m \
         WHERE service = $1 AND name = $2 AND labels @> $3::jsonb AND minute >= $4 AND minute < $5 \
         GROUP BY 1 ORDER BY 1",
    )
    .bind(service)
    .bind(name)
    .bind(labels)
    .bind(from)
    .bind(to)
    .bind(step.num_seconds().max(60))
    .fetch_all(conn)
    .await
}
