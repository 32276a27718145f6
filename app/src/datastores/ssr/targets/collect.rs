//! The collector's reading of monitored targets: each on its own interval,
//! each read alone within [`TIMEOUT`] (a slow or dead target never holds
//! up another: the worker reads each in a task of its own), its counters
//! turned into rates between two readings, and one that cannot be read
//! sampled as down (`pg.up` / `redis.up` 0) with the reason.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::Enabled;
use super::probe::{Problem, TIMEOUT, connect_pg, connect_redis, pg_monitor_missing, pg_problem, redis_problem};
use super::url::TargetUrl;
use crate::datastores::ssr::rates::Rates;
use crate::datastores::ssr::{Reading, Value, postgres, redis};
use crate::datastores::targets::{Failure, StoreKind};
use crate::metrics::MetricSample;
use crate::secrets::{DATA_STORE_URL, Keyring};

/// What the collector keeps of the targets between readings.
#[derive(Debug, Default)]
pub struct TargetCollector {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rates: Rates,
    slowlog_seen: HashMap<i64, Option<i64>>,
    next: HashMap<i64, Instant>,
    running: HashSet<i64>,
}

/// One target's reading: its samples and how it went.
#[derive(Debug)]
pub struct TargetReading {
    pub samples: Vec<MetricSample>,
    /// Whether its statistics were read.
    pub ok: bool,
    /// Why not, or the warning it was read with (a role without pg_monitor).
    pub reason: Option<String>,
    pub took: Duration,
}

impl TargetCollector {
    /// The targets due at `now` (never read, or their interval passed since
    /// the last reading began) that are not being read; they are marked
    /// as being read. Targets no longer listed are forgotten.
    pub fn due(&self, targets: Vec<Enabled>, now: Instant) -> Vec<Enabled> {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let listed: HashSet<i64> = targets.iter().map(|t| t.id).collect();
        inner.next.retain(|id, _| listed.contains(id));
        inner.slowlog_seen.retain(|id, _| listed.contains(id));
        let mut due = Vec::new();
        for target in targets {
            let ready = inner.next.get(&target.id).is_none_or(|next| *next <= now);
            if ready && inner.running.insert(target.id) {
                let interval = Duration::from_secs(target.interval_secs.max(1) as u64);
                inner.next.insert(target.id, now + interval);
                due.push(target);
            }
        }
        due
    }

    /// Reads `target` (due, from [`TargetCollector::due`]).
    pub async fn read(&self, keys: &Keyring, target: &Enabled) -> TargetReading {
        let started = Instant::now();
        let mut seen = self.lock().slowlog_seen.get(&target.id).copied().flatten();
        let result = match tokio::time::timeout(TIMEOUT, reading(keys, target, &mut seen)).await {
            Ok(result) => result,
            Err(_) => Err(Problem::timeout(TIMEOUT)),
        };
        let mut inner = self.lock();
        inner.running.remove(&target.id);
        inner.slowlog_seen.insert(target.id, seen);
        let now = Utc::now();
        let (samples, ok, reason) = match result {
            Ok((reading, warning)) => (inner.rates.samples(&target.service, &reading, now), true, warning),
            Err(problem) => {
                let up = match target.kind {
                    StoreKind::Postgres => "pg.up",
                    StoreKind::Redis => "redis.up",
                };
                let down = Reading {
                    gauges: vec![Value::new(up, 0.0)],
                    ..Reading::default()
                };
                let samples = inner.rates.samples(&target.service, &down, now);
                (samples, false, Some(problem.message))
            }
        };
        TargetReading {
            samples,
            ok,
            reason,
            took: started.elapsed(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn reading(
    keys: &Keyring,
    target: &Enabled,
    seen: &mut Option<i64>,
) -> Result<(Reading, Option<String>), Problem> {
    let unusable = |detail: String| Problem::new(Failure::Other, &detail);
    let plain = keys
        .open(DATA_STORE_URL, &target.sealed_url)
        .map_err(|problem| unusable(format!("the stored connection URL cannot be decrypted: {problem}")))?;
    let url = TargetUrl::stored(target.kind, &plain).map_err(unusable)?;
    match &url {
        TargetUrl::Postgres(pg) => {
            let mut conn = connect_pg(pg).await.map_err(|e| pg_problem(&url, &e))?;
            let reading = postgres::read(&mut conn).await.map_err(|e| pg_problem(&url, &e))?;
            let warning = pg_monitor_missing(&mut conn).await.map_err(|e| pg_problem(&url, &e))?;
            let _ = sqlx::Connection::close(conn).await;
            Ok((reading, warning))
        }
        TargetUrl::Redis(redis_url) => {
            let mut conn = connect_redis(&url, redis_url).await?;
            let reading = redis::read(&mut conn, seen, Utc::now().timestamp())
                .await
                .map_err(|e| redis_problem(&url, &e))?;
            Ok((reading, None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: i64, interval_secs: i32) -> Enabled {
        Enabled {
            id,
            kind: StoreKind::Postgres,
            service: format!("pg:t{id}"),
            sealed_url: String::new(),
            interval_secs,
        }
    }

    fn ids(due: &[Enabled]) -> Vec<i64> {
        due.iter().map(|t| t.id).collect()
    }

    #[test]
    fn each_target_is_due_on_its_own_interval_and_never_twice_at_once() {
        let collector = TargetCollector::default();
        let start = Instant::now();
        let both = || vec![target(1, 10), target(2, 60)];
        assert_eq!(ids(&collector.due(both(), start)), vec![1, 2], "never read: both due");
        assert!(collector.due(both(), start).is_empty(), "both are being read");
        collector.lock().running.clear();
        assert!(collector.due(both(), start + Duration::from_secs(5)).is_empty());
        assert_eq!(ids(&collector.due(both(), start + Duration::from_secs(10))), vec![1]);
        collector.lock().running.clear();
        assert_eq!(ids(&collector.due(both(), start + Duration::from_secs(60))), vec![1, 2]);
    }

    #[test]
    fn a_target_still_being_read_is_not_started_again() {
        let collector = TargetCollector::default();
        let start = Instant::now();
        assert_eq!(ids(&collector.due(vec![target(1, 10)], start)), vec![1]);
        let later = start + Duration::from_secs(30);
        assert!(
            collector.due(vec![target(1, 10)], later).is_empty(),
            "slow: still running"
        );
    }
}
