//! One round of the collector: each store read within its timeout (a slow
//! or dead store never holds up the others), its reading turned into
//! samples (`rates`), and a store that could not be read recorded as down
//! (`pg.up` / `redis.up` 0) with the reason (`data_store_status`).

use std::time::Duration;

use chrono::Utc;
use sqlx::{Acquire, PgPool};

use super::rates::Rates;
use super::{Reading, Value, postgres, redis};
use crate::datastores::{OWN_POSTGRES, OWN_REDIS};
use crate::metrics::MetricSample;
use crate::redis_handle::RedisHandle;

/// What the collector keeps between rounds.
#[derive(Debug)]
pub struct Collector {
    rates: Rates,
    slowlog_seen: Option<i64>,
    timeout: Duration,
}

/// What one round gave.
#[derive(Debug, Default)]
pub struct Round {
    pub samples: Vec<MetricSample>,
    /// The stores read, each with the reason it failed (`None`: it was read).
    pub outcomes: Vec<(&'static str, Option<String>)>,
}

/// Records how each store's reading went (`data_store_status`).
pub async fn record_outcomes(db: &PgPool, round: &Round) -> sqlx::Result<()> {
    for (service, reason) in &round.outcomes {
        record_status(db, service, reason.is_none(), reason.as_deref()).await?;
    }
    Ok(())
}

/// Records one store's reading: read or not (`ok`), and why not or the
/// warning it was read with (`reason`).
pub async fn record_status(db: &PgPool, service: &str, ok: bool, reason: Option<&str>) -> sqlx::Result<()> {
    let reason: Option<String> = reason.map(|r| r.chars().take(2000).collect());
    sqlx::query(
        "INSERT INTO data_store_status (service, read_at, ok, reason) VALUES ($1, now(), $2, $3) \
         ON CONFLICT (service) DO UPDATE SET read_at = now(), ok = EXCLUDED.ok, reason = EXCLUDED.reason",
    )
    .bind(service)
    .bind(ok)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

impl Collector {
    /// `timeout`: the most one store's reading may take.
    pub fn new(timeout: Duration) -> Collector {
        Collector {
            rates: Rates::default(),
            slowlog_seen: None,
            timeout,
        }
    }

    /// Reads Opsdeck's own Postgres (through `db`) and Redis, both at once.
    pub async fn own_stores(&mut self, db: &PgPool, redis: &RedisHandle) -> Round {
        let timeout = self.timeout;
        // Not `within`: a future dropped during its `BEGIN` would leave a
        // pooled connection inside a transaction (sqlx #4393); the wait for
        // a connection and each statement have timeouts of their own.
        let postgres = async { read_postgres(db, timeout).await.map_err(|error| error.to_string()) };
        let redis = within(timeout, read_redis(redis, &mut self.slowlog_seen));
        let (postgres, redis) = tokio::join!(postgres, redis);
        let mut round = Round::default();
        self.add(&mut round, OWN_POSTGRES, "pg.up", postgres);
        self.add(&mut round, OWN_REDIS, "redis.up", redis);
        round
    }

    fn add(&mut self, round: &mut Round, service: &'static str, up: &'static str, read: Result<Reading, String>) {
        let now = Utc::now();
        match read {
            Ok(reading) => {
                round.samples.extend(self.rates.samples(service, &reading, now));
                round.outcomes.push((service, None));
            }
            Err(reason) => {
                round.outcomes.push((service, Some(reason)));
                let down = Reading {
                    gauges: vec![Value::new(up, 0.0)],
                    ..Reading::default()
                };
                round.samples.extend(self.rates.samples(service, &down, now));
            }
        }
    }
}

async fn within<T, E: std::fmt::Display>(
    timeout: Duration,
    read: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs_f64())),
    }
}

async fn read_postgres(db: &PgPool, timeout: Duration) -> sqlx::Result<Reading> {
    // Acquiring is cancel-safe (the connection goes back to the pool untouched).
    let mut conn = tokio::time::timeout(timeout, db.acquire())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(timeout.as_millis().to_string())
        .execute(&mut *tx)
        .await?;
    let reading = postgres::read(&mut tx).await?;
    tx.commit().await?;
    Ok(reading)
}

async fn read_redis(handle: &RedisHandle, seen: &mut Option<i64>) -> ::redis::RedisResult<Reading> {
    let mut conn = handle.connection().await?;
    redis::read(&mut conn, seen, Utc::now().timestamp()).await
}
