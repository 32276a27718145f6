//! The request rollup tiers and a batch's contribution to them.
//!
//! Four tiers (migration `…_rollup_tiers.sql`), each a daily-partitioned table:
//!
//! | tier             | table                | one row per                |
//! |------------------|----------------------|----------------------------|
//! | endpoint, minute | `request_rollups_1m` | delta: batch × key         |
//! | endpoint, hour   | `request_rollups_1h` | delta: batch × key         |
//! | service, minute  | `service_rollups_1m` | key (upserted)             |
//! | service, hour    | `service_rollups_1h` | key (upserted)             |
//!
//! A batch's aggregates are computed here, in Rust, and written with one
//! statement. The per-endpoint tiers are appended to ("deltas": a key may
//! have several rows, readers sum them and [`super::compact`] folds them),
//! so batches never wait on each other there; the service tiers hold one row
//! per key, so a live point or a service chart reads one row per minute.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::PgConnection;

use crate::metrics::RequestEvent;
use crate::metrics::ssr::merged::Merged;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    EndpointMinute,
    EndpointHour,
    ServiceMinute,
    ServiceHour,
}

impl Tier {
    pub const ALL: [Tier; 4] = [
        Tier::EndpointMinute,
        Tier::EndpointHour,
        Tier::ServiceMinute,
        Tier::ServiceHour,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Tier::EndpointMinute => "request_rollups_1m",
            Tier::EndpointHour => "request_rollups_1h",
            Tier::ServiceMinute => "service_rollups_1m",
            Tier::ServiceHour => "service_rollups_1h",
        }
    }

    /// The column holding the start of the row's minute or hour.
    pub fn time_column(self) -> &'static str {
        match self {
            Tier::EndpointMinute | Tier::ServiceMinute => "minute",
            Tier::EndpointHour | Tier::ServiceHour => "hour",
        }
    }

    pub fn per_endpoint(self) -> bool {
        matches!(self, Tier::EndpointMinute | Tier::EndpointHour)
    }

    pub fn span(self) -> TimeDelta {
        match self {
            Tier::EndpointMinute | Tier::ServiceMinute => TimeDelta::minutes(1),
            Tier::EndpointHour | Tier::ServiceHour => TimeDelta::hours(1),
        }
    }

    /// The key columns after the time column.
    pub fn key_columns(self) -> &'static str {
        if self.per_endpoint() {
            "service, endpoint"
        } else {
            "service"
        }
    }

    /// The start of the row `ts` is counted in.
    pub fn start_of(self, ts: DateTime<Utc>) -> DateTime<Utc> {
        ts.duration_trunc(self.span()).unwrap_or(ts)
    }

    fn code(self) -> i16 {
        match self {
            Tier::EndpointMinute => 0,
            Tier::EndpointHour => 1,
            Tier::ServiceMinute => 2,
            Tier::ServiceHour => 3,
        }
    }
}

/// A row's key: tier, service, endpoint (empty for the service tiers) and start.
pub type RollupKey<'a> = (Tier, &'a str, &'a str, DateTime<Utc>);

/// `events` aggregated into every tier, by key.
pub fn aggregate(events: &[RequestEvent]) -> BTreeMap<RollupKey<'_>, Merged<()>> {
    let mut per_minute: HashMap<(&str, &str, DateTime<Utc>), Merged<()>> = HashMap::new();
    for event in events {
        let minute = Tier::EndpointMinute.start_of(event.ts);
        per_minute
            .entry((event.service.as_str(), event.endpoint.as_str(), minute))
            .or_insert_with(|| Merged::new(()))
            .record(event.duration_ms, event.status >= 500);
    }
    into_tiers(per_minute)
}

/// Requests already merged per (service, endpoint, minute) into every tier, by key.
pub fn into_tiers<'a>(
    per_minute: impl IntoIterator<Item = ((&'a str, &'a str, DateTime<Utc>), Merged<()>)>,
) -> BTreeMap<RollupKey<'a>, Merged<()>> {
    let mut rows = BTreeMap::new();
    for ((service, endpoint, minute), merged) in per_minute {
        for tier in [Tier::EndpointHour, Tier::ServiceMinute, Tier::ServiceHour] {
            let endpoint = if tier.per_endpoint() { endpoint } else { "" };
            rows.entry((tier, service, endpoint, tier.start_of(minute)))
                .or_insert_with(|| Merged::new(()))
                .merge(&merged);
        }
        rows.entry((Tier::EndpointMinute, service, endpoint, minute))
            .or_insert_with(|| Merged::new(()))
            .merge(&merged);
    }
    rows
}

/// `{1,2,3}`: an array literal Postgres casts to `int4[]` / `int8[]`.
fn array_literal<T: std::fmt::Display>(values: &[T]) -> String {
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("{{{}}}", items.join(","))
}

/// The statement writing every tier from one set of arrays: appends to the
/// per-endpoint tiers, upserts the service tiers (rows in key order, so
/// batches touching the same keys queue instead of deadlocking). The
/// histogram merge is written inline rather than as a SQL function, which
/// Postgres would plan again on every call.
fn insert_sql() -> String {
    let mut ctes = vec![
        "d AS MATERIALIZED (SELECT * FROM UNNEST($1::int2[], $2::timestamptz[], $3::text[], $4::text[], \
             $5::int8[], $6::int8[], $7::float8[], $8::float8[], $9::float8[], $10::text[], $11::text[]) \
             AS d(tier, t, service, endpoint, count, errors, sum_ms, min_ms, max_ms, idx, cnt))"
            .to_string(),
    ];
    let mut statements: Vec<String> = Tier::ALL
        .iter()
        .map(|tier| {
            let (table, time, keys) = (tier.table(), tier.time_column(), tier.key_columns());
            let insert = format!(
                "INSERT INTO {table} AS r ({time}, {keys}, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt) \
                 SELECT t, {keys}, count, errors, sum_ms, min_ms, max_ms, idx::int4[], cnt::int8[] \
                 FROM d WHERE tier = {code} ORDER BY {keys}, t",
                code = tier.code()
            );
            if tier.per_endpoint() {
                insert
            } else {
                format!(
                    "{insert} ON CONFLICT ({keys}, {time}) DO UPDATE SET \
                         count = r.count + EXCLUDED.count, \
                         errors = r.errors + EXCLUDED.errors, \
                         sum_ms = r.sum_ms + EXCLUDED.sum_ms, \
                         min_ms = least(r.min_ms, EXCLUDED.min_ms), \
                         max_ms = greatest(r.max_ms, EXCLUDED.max_ms), \
                         (hist_idx, hist_cnt) = ( \
                             SELECT array_agg(i ORDER BY i), array_agg(c ORDER BY i) FROM ( \
                                 SELECT i, sum(c)::bigint AS c FROM ( \
                                     SELECT * FROM unnest(r.hist_idx, r.hist_cnt) \
                                     UNION ALL SELECT * FROM unnest(EXCLUDED.hist_idx, EXCLUDED.hist_cnt) \
                                 ) AS both_(i, c) GROUP BY i \
                             ) AS merged \
                         )"
                )
            }
        })
        .collect();
    let last = statements.pop().unwrap_or_default();
    ctes.extend(
        statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| format!("w{i} AS ({s})")),
    );
    format!("WITH {} {last}", ctes.join(", "))
}

/// Adds `events` to every rollup tier (inside the caller's transaction).
pub async fn add(conn: &mut PgConnection, events: &[RequestEvent]) -> sqlx::Result<()> {
    RollupRows::of(events).write(conn).await
}

/// A batch's rows for every tier, computed from its events without a
/// connection (so a caller can compute the next batch's while one is written).
#[derive(Debug, Default)]
pub struct RollupRows {
    tier: Vec<i16>,
    t: Vec<DateTime<Utc>>,
    service: Vec<String>,
    endpoint: Vec<String>,
    count: Vec<i64>,
    errors: Vec<i64>,
    sum_ms: Vec<f64>,
    min_ms: Vec<f64>,
    max_ms: Vec<f64>,
    idx: Vec<String>,
    cnt: Vec<String>,
}

impl RollupRows {
    pub fn of(events: &[RequestEvent]) -> RollupRows {
        Self::of_tiers(&aggregate(events))
    }

    /// The rows of requests already aggregated into every tier ([`into_tiers`]).
    pub fn of_tiers(rows: &BTreeMap<RollupKey<'_>, Merged<()>>) -> RollupRows {
        let mut out = RollupRows::default();
        for ((row_tier, row_service, row_endpoint, start), merged) in rows {
            let (indexes, counts) = merged.histogram.to_sparse();
            out.tier.push(row_tier.code());
            out.t.push(*start);
            out.service.push(row_service.to_string());
            out.endpoint.push(row_endpoint.to_string());
            out.count.push(merged.count);
            out.errors.push(merged.errors);
            out.sum_ms.push(merged.sum_ms);
            out.min_ms.push(merged.min_ms);
            out.max_ms.push(merged.max_ms);
            out.idx.push(array_literal(&indexes));
            out.cnt.push(array_literal(&counts));
        }
        out
    }

    /// Adds the rows to their tiers (inside the caller's transaction).
    pub async fn write(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        sqlx::query(&insert_sql())
            .bind(self.tier)
            .bind(self.t)
            .bind(self.service)
            .bind(self.endpoint)
            .bind(self.count)
            .bind(self.errors)
            .bind(self.sum_ms)
            .bind(self.min_ms)
            .bind(self.max_ms)
            .bind(self.idx)
            .bind(self.cnt)
            .execute(conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn event(service: &str, endpoint: &str, status: i16, duration_ms: f64, ts: DateTime<Utc>) -> RequestEvent {
        RequestEvent {
            service: service.into(),
            endpoint: endpoint.into(),
            method: "GET".into(),
            status,
            duration_ms,
            ts,
        }
    }

    #[test]
    fn a_batch_adds_up_in_every_tier() {
        let at = |h: u32, m: u32, s: u32| Utc.with_ymd_and_hms(2026, 11, 30, h, m, s).single().expect("instant");
        let events = [
            event("shop", "/a", 200, 10.0, at(9, 59, 30)),
            event("shop", "/a", 500, 30.0, at(10, 0, 5)),
            event("shop", "/b", 200, 20.0, at(10, 0, 50)),
            event("blog", "/a", 200, 5.0, at(10, 0, 0)),
        ];
        let rows = aggregate(&events);
        let get = |tier, service, endpoint, start| &rows[&(tier, service, endpoint, start)];

        let a_ten = get(Tier::EndpointMinute, "shop", "/a", at(10, 0, 0));
        assert_eq!(
            (a_ten.count, a_ten.errors, a_ten.min_ms, a_ten.max_ms),
            (1, 1, 30.0, 30.0)
        );
        let a_hour = get(Tier::EndpointHour, "shop", "/a", at(10, 0, 0));
        assert_eq!((a_hour.count, a_hour.sum_ms), (1, 30.0));
        let a_nine = get(Tier::EndpointHour, "shop", "/a", at(9, 0, 0));
        assert_eq!(a_nine.count, 1);

        let shop_minute = get(Tier::ServiceMinute, "shop", "", at(10, 0, 0));
        assert_eq!(
            (shop_minute.count, shop_minute.errors, shop_minute.sum_ms),
            (2, 1, 50.0)
        );
        assert_eq!((shop_minute.min_ms, shop_minute.max_ms), (20.0, 30.0));
        assert_eq!(shop_minute.histogram.count(), 2);
        let shop_hour = get(Tier::ServiceHour, "shop", "", at(10, 0, 0));
        assert_eq!(shop_hour.count, 2);
        assert_eq!(get(Tier::ServiceHour, "blog", "", at(10, 0, 0)).count, 1);

        for tier in Tier::ALL {
            let total: i64 = rows.iter().filter(|(key, _)| key.0 == tier).map(|(_, m)| m.count).sum();
            assert_eq!(total, 4, "{tier:?} counts every event once");
        }
    }

    #[test]
    fn histograms_go_over_as_array_literals() {
        assert_eq!(array_literal(&[i32::MIN, 3, 7]), "{-2147483648,3,7}");
        assert_eq!(array_literal::<i64>(&[]), "{}");
    }
}
