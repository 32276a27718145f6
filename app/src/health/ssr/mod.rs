//! The live checks behind `/ready` and the Overview page (here), and the
//! Health page's history (`history`).
//!
//! Each check is bounded by a timeout so a hung service turns into `down`
//! within seconds instead of hanging the caller; the reason is logged, while
//! the message sent out stays generic.

use std::future::Future;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Readiness, ServiceCheck, Status};
use crate::health::settings::HealthSettings;
use crate::redis_handle::RedisHandle;

pub mod history;

/// Checks Postgres and Redis at once, each within `settings.check_timeout`.
pub async fn check_all(db: &PgPool, redis: &RedisHandle, settings: HealthSettings) -> Readiness {
    let (database, redis) = tokio::join!(
        timed("database", settings, async {
            sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(db).await.map(drop)
        }),
        timed("redis", settings, async {
            let mut conn = redis.connection().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await.map(drop)
        }),
    );
    Readiness::new(database, redis)
}

async fn timed<E: std::fmt::Display>(
    service: &'static str,
    settings: HealthSettings,
    check: impl Future<Output = Result<(), E>>,
) -> ServiceCheck {
    let started = Instant::now();
    let outcome = tokio::time::timeout(settings.check_timeout, check).await;
    let elapsed = started.elapsed();
    match outcome {
        Ok(Ok(())) => classify(elapsed, settings.degraded_after),
        Ok(Err(error)) => {
            tracing::warn!(service, %error, "health check failed");
            down(elapsed, "Connection failed")
        }
        Err(_) => {
            tracing::warn!(
                service,
                timeout_ms = millis(settings.check_timeout),
                "health check timed out"
            );
            down(elapsed, "No answer within the check timeout")
        }
    }
}

/// A check that answered is `up`, or `degraded` when it took longer than the threshold.
pub fn classify(elapsed: Duration, degraded_after: Duration) -> ServiceCheck {
    let (status, message) = if elapsed > degraded_after {
        (Status::Degraded, "Slow response")
    } else {
        (Status::Up, "Connected")
    };
    ServiceCheck {
        status,
        response_time: millis(elapsed),
        message: message.into(),
    }
}

fn down(elapsed: Duration, message: &str) -> ServiceCheck {
    ServiceCheck {
        status: Status::Down,
        response_time: millis(elapsed),
        message: message.into(),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_at_or_under_the_threshold_are_up() {
        let check = classify(Duration::from_millis(250), Duration::from_millis(250));
        assert_eq!(
            (check.status, check.response_time, check.message.as_str()),
            (Status::Up, 250, "Connected")
        );
    }

    #[test]
    fn answers_over_the_threshold_are_degraded() {
        let check = classify(Duration::from_millis(1396), Duration::from_millis(1000));
        assert_eq!(
            (check.status, check.response_time, check.message.as_str()),
            (Status::Degraded, 1396, "Slow response")
        );
    }
}
