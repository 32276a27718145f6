//! An SLO's events counted from storage into a budget, for any period.
//!
//! Availability (not 5xx) and latency read the per-minute rollups: the
//! service tier for a whole service, the endpoint tier for one endpoint.
//! Latency counts as good every request in a histogram bucket at or below
//! the threshold's bucket, so a request up to one bucket's width
//! ([`LATENCY_BOUND`](crate::slo::LATENCY_BOUND), 2.02 %) slower than the
//! threshold may count as good and none at or under it counts as bad.
//! A chosen status set reads the raw request events (the rollups keep only
//! the 5xx count), so its window is bounded by their retention.
//!
//! Each stretch's measured minutes are the distinct minutes with requests,
//! so silent minutes stay unmeasured (`budget.rs`).

use chrono::{DateTime, Duration, DurationRound, Utc};
use sqlx::PgConnection;

use crate::metrics::ssr::histogram::bucket_index;
use crate::slo::budget::{Budget, BudgetInput, Tally, compute};
use crate::slo::{SloDraft, SloKind, statuses};

/// Most points a budget's series holds (a 30-day window: one per 3 hours).
const MAX_POINTS: i64 = 240;

/// The stretch the budget's series is counted in: whole minutes, whole
/// hours from an hour up, so at most [`MAX_POINTS`] of them cover the window.
pub fn step_for(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let minutes = ((to - from).num_minutes() + MAX_POINTS - 1) / MAX_POINTS;
    match minutes.max(1) {
        m if m < 60 => Duration::minutes(m),
        m => Duration::hours((m + 59) / 60),
    }
}

/// `slo`'s budget over `[from, to)` as of `now` (time after `now` is not
/// measured yet): what the SLO page, the Overview strip and the monthly
/// report show. A period entirely after `now` has nothing measured.
#[tracing::instrument(skip(conn, slo), fields(slo = %slo.name), err)]
pub async fn over(
    conn: &mut PgConnection,
    slo: &SloDraft,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Budget> {
    // Whole minutes: the rollups' rows start on a minute.
    let now = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
    let measured_to = to.min(now).max(from);
    let step = step_for(from, to);
    let counted = tallies(conn, slo, from, measured_to, step).await?;
    let hour_ago = (measured_to - Duration::hours(1)).max(from);
    let recent = tallies(conn, slo, hour_ago, measured_to, Duration::hours(1))
        .await?
        .into_iter()
        .next()
        .unwrap_or(Tally::empty(hour_ago));
    Ok(compute(&BudgetInput {
        objective: slo.objective,
        from,
        to,
        now,
        tallies: &counted,
        step,
        recent,
    }))
}

/// `slo`'s budget over its window as it holds at `now`.
pub async fn current(conn: &mut PgConnection, slo: &SloDraft, now: DateTime<Utc>) -> sqlx::Result<Budget> {
    // A rolling window starts on a whole minute, as the rollups' rows do.
    let now = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
    let (from, to) = slo.window.period(now);
    over(conn, slo, from, to, now).await
}

/// `slo`'s events in `[from, to)`, one tally per `step` from `from`
/// (stretches without events left out).
pub async fn tallies(
    conn: &mut PgConnection,
    slo: &SloDraft,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> sqlx::Result<Vec<Tally>> {
    if to <= from {
        return Ok(Vec::new());
    }
    let rows: Vec<(DateTime<Utc>, i64, i64, i64)> = if slo.reads_raw_events() {
        let ranges = slo
            .good_statuses
            .as_deref()
            .map(statuses::parse)
            .transpose()
            .map_err(|e| sqlx::Error::Protocol(format!("stored SLO's statuses: {e}")))?
            .unwrap_or_default();
        let (low, high): (Vec<i16>, Vec<i16>) = ranges.into_iter().unzip();
        sqlx::query_as(
            "SELECT date_bin($5::bigint * INTERVAL '1 second', ts, $3) AS t, \
                    count(DISTINCT date_trunc('minute', ts))::bigint, count(*)::bigint, \
                    (count(*) FILTER (WHERE EXISTS ( \
                        SELECT 1 FROM unnest($6::int2[], $7::int2[]) AS r(lo, hi) WHERE status BETWEEN r.lo AND r.hi \
                    )))::bigint \
             FROM request_events \
             WHERE service = $1 AND ($2::text IS NULL OR endpoint = $2) AND ts >= $3 AND ts < $4 \
             GROUP BY 1 ORDER BY 1",
        )
        .bind(&slo.service)
        .bind(slo.endpoint.as_deref())
        .bind(from)
        .bind(to)
        .bind(step.num_seconds())
        .bind(low)
        .bind(high)
        .fetch_all(conn)
        .await?
    } else {
        // The service tier has one row per minute (its key); the endpoint
        // tier one per endpoint and minute, so its minutes are counted apart.
        let (table, endpoint_filter, minutes) = match slo.endpoint {
            Some(_) => ("request_rollups_1m", "endpoint = $2", "count(DISTINCT minute)"),
            None => ("service_rollups_1m", "$2::text IS NULL", "count(*)"),
        };
        let good = match slo.kind {
            SloKind::Availability => "sum(count - errors)",
            SloKind::Latency => {
                "sum((SELECT coalesce(sum(h.c), 0) FROM unnest(hist_idx, hist_cnt) AS h(i, c) WHERE h.i <= $6))"
            }
        };
        let sql = format!(
            "SELECT date_bin($5::bigint * INTERVAL '1 second', minute, $3) AS t, \
                    {minutes} FILTER (WHERE count > 0)::bigint, sum(count)::bigint, ({good})::bigint \
             FROM {table} \
             WHERE service = $1 AND {endpoint_filter} AND minute >= $3 AND minute < $4 \
             GROUP BY 1 ORDER BY 1"
        );
        let query = sqlx::query_as(&sql)
            .bind(&slo.service)
            .bind(slo.endpoint.as_deref())
            .bind(from)
            .bind(to)
            .bind(step.num_seconds());
        match slo.kind {
            SloKind::Latency => query.bind(bucket_index(slo.threshold_ms.unwrap_or(0.0))),
            SloKind::Availability => query,
        }
        .fetch_all(conn)
        .await?
    };
    Ok(rows
        .into_iter()
        .map(|(start, measured_minutes, events, good)| Tally {
            start,
            measured_minutes,
            events,
            good,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    #[test]
    fn series_steps_are_whole_minutes_or_hours_and_at_most_240_of_them() {
        let from = at("2026-11-01T00:00:00Z");
        for (days, step) in [
            (30, Duration::hours(3)),
            (31, Duration::hours(4)),
            (7, Duration::minutes(42)),
            (28, Duration::hours(3)),
        ] {
            let to = from + Duration::days(days);
            assert_eq!(step_for(from, to), step, "{days} days");
            assert!((to - from).num_seconds() / step.num_seconds() <= MAX_POINTS);
        }
        assert_eq!(step_for(from, from + Duration::hours(1)), Duration::minutes(1));
    }
}
