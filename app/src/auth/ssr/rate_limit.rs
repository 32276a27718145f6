//! Password-attempt limits in Redis: per email and per client IP at sign-in,
//! per user for the current password on a password change, each a fixed
//! window.
//!
//! An attempt is counted *before* its password is hashed, in one Lua script
//! that checks every limit and, only if none is reached, counts the attempt
//! on all of them. Redis runs a script atomically, so concurrent requests,
//! on one instance or many, can never check more passwords than the limit
//! allows. A successful attempt is taken back (see [`Limiter::succeeded`]),
//! so the counters hold failures and attempts still being checked. If Redis
//! cannot be reached, the attempt is refused (fail closed).

use crate::error::AppError;
use crate::state::AppState;

/// `KEYS`: the counters; `ARGV[1]`: the window in seconds; `ARGV[1 + i]`:
/// the limit of `KEYS[i]`. Returns 0 when the attempt was counted, or the
/// seconds until the first reached limit lifts.
const RESERVE: &str = r"
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 0 then
      redis.call('EXPIRE', key, window)
      ttl = window
    end
    wait = math.max(wait, ttl)
  end
end
if wait > 0 then
  return wait
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, window)
  end
end
return 0
";

/// Takes back one counted attempt without letting a counter go below zero
/// or outlive its window.
const REFUND: &str = r"
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
";

/// One counter and the number of attempts it allows per window.
#[derive(Clone, Debug)]
pub struct Counter {
    key: String,
    limit: u32,
}

pub struct Limiter<'a> {
    state: &'a AppState,
}

fn unavailable(error: redis::RedisError) -> AppError {
    tracing::error!(%error, "rate limiter unavailable");
    AppError::Unavailable(
        "Passwords cannot be checked right now: the session store cannot be reached. Try again shortly.".into(),
    )
}

impl<'a> Limiter<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// The counters of a sign-in as `email` from `ip`.
    pub fn sign_in(&self, email: &str, ip: Option<&str>) -> Vec<Counter> {
        let settings = self.state.auth;
        let mut counters = vec![Counter {
            key: self.state.redis.key(&format!("sign-in-failures:email:{email}")),
            limit: settings.max_failures_per_email,
        }];
        if let Some(ip) = ip {
            counters.push(Counter {
                key: self.state.redis.key(&format!("sign-in-failures:ip:{ip}")),
                limit: settings.max_failures_per_ip,
            });
        }
        counters
    }

    /// The counter of a signed-in user's current-password checks.
    pub fn password_change(&self, user_id: i64) -> Vec<Counter> {
        vec![Counter {
            key: self
                .state
                .redis
                .key(&format!("password-change-failures:user:{user_id}")),
            limit: self.state.auth.max_failures_per_email,
        }]
    }

    /// Counts one attempt on every counter, or answers the seconds until
    /// another is allowed when any limit is reached (counting nothing then).
    pub async fn reserve(&self, counters: &[Counter]) -> Result<Option<u64>, AppError> {
        let window = self.state.auth.failure_window_secs.max(1);
        let mut script = redis::cmd("EVAL");
        script.arg(RESERVE).arg(counters.len());
        for counter in counters {
            script.arg(&counter.key);
        }
        script.arg(window);
        for counter in counters {
            script.arg(counter.limit);
        }
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let wait: i64 = script.query_async(&mut conn).await.map_err(unavailable)?;
        Ok(u64::try_from(wait).ok().filter(|wait| *wait > 0))
    }

    /// Takes back an attempt that was counted but never checked (the server
    /// was too busy to check it).
    pub async fn refund(&self, counters: &[Counter]) -> Result<(), AppError> {
        let mut script = redis::cmd("EVAL");
        script.arg(REFUND).arg(counters.len());
        for counter in counters {
            script.arg(&counter.key);
        }
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let _: i64 = script.query_async(&mut conn).await.map_err(unavailable)?;
        Ok(())
    }

    /// After a correct password: the account's own counter (the first)
    /// starts afresh; the others (the client's IP) get this attempt back.
    pub async fn succeeded(&self, counters: &[Counter]) -> Result<(), AppError> {
        let Some((own, others)) = counters.split_first() else {
            return Ok(());
        };
        let mut conn = self.state.redis.connection().await.map_err(unavailable)?;
        let _: () = redis::cmd("DEL")
            .arg(&own.key)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if !others.is_empty() {
            self.refund(others).await?;
        }
        Ok(())
    }
}
