//! Sign-in failure counters in Redis: per email and per client IP, in a
//! fixed window. If Redis cannot be reached, sign-in fails closed.

use redis::AsyncCommands;

use crate::error::AppError;
use crate::state::AppState;

pub struct Limiter<'a> {
    state: &'a AppState,
}

fn unavailable(error: redis::RedisError) -> AppError {
    tracing::error!(%error, "rate limiter unavailable at sign-in");
    AppError::Unavailable(
        "Sign-in is unavailable right now: the session store cannot be reached. Try again shortly.".into(),
    )
}

impl<'a> Limiter<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    fn email_key(&self, email: &str) -> String {
        self.state.redis.key(&format!("sign-in-failures:email:{email}"))
    }

    fn ip_key(&self, ip: &str) -> String {
        self.state.redis.key(&format!("sign-in-failures:ip:{ip}"))
    }

    /// Seconds until another attempt is allowed, when a limit is reached.
    pub async fn blocked(&self, email: &str, ip: Option<&str>) -> Result<Option<u64>, AppError> {
        let settings = self.state.auth;
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let mut checks = vec![(self.email_key(email), settings.max_failures_per_email)];
        if let Some(ip) = ip {
            checks.push((self.ip_key(ip), settings.max_failures_per_ip));
        }
        let mut retry_after = None;
        for (key, limit) in checks {
            let failures: Option<u32> = conn.get(&key).await.map_err(unavailable)?;
            if failures.unwrap_or(0) >= limit {
                let ttl: i64 = conn.ttl(&key).await.map_err(unavailable)?;
                let wait = u64::try_from(ttl).unwrap_or(settings.failure_window_secs).max(1);
                retry_after = Some(retry_after.map_or(wait, |w: u64| w.max(wait)));
            }
        }
        Ok(retry_after)
    }

    pub async fn record_failure(&self, email: &str, ip: Option<&str>) -> Result<(), AppError> {
        let window = i64::try_from(self.state.auth.failure_window_secs).unwrap_or(300);
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let mut pipe = redis::pipe();
        for key in std::iter::once(self.email_key(email)).chain(ip.map(|ip| self.ip_key(ip))) {
            // The window starts at the first failure (EXPIRE NX keeps it from sliding).
            pipe.incr(&key, 1)
                .ignore()
                .cmd("EXPIRE")
                .arg(&key)
                .arg(window)
                .arg("NX")
                .ignore();
        }
        let _: () = pipe.query_async(&mut conn).await.map_err(unavailable)?;
        Ok(())
    }

    pub async fn clear(&self, email: &str) -> Result<(), AppError> {
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let _: () = conn.del(self.email_key(email)).await.map_err(unavailable)?;
        Ok(())
    }
}
