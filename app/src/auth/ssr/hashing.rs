//! argon2id hashing, always off the async runtime, and never more at once
//! than there are cores.
//!
//! Each hash holds 19 MiB for tens of milliseconds of CPU; without a bound,
//! a burst of sign-ins runs them all at once (100 concurrent wrong sign-ins
//! took the process to 2.4 GiB). Hashes wait for one of [`HashQueue`]'s
//! permits instead, and a request that waits too long is told to retry.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// m = 19456 KiB, t = 2, p = 1: OWASP's minimum for argon2id.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// How long a hash may wait for a free core before its request gets 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Seconds a client is asked to wait after [`HashError::Busy`].
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every permit stayed taken for the whole wait.
    #[error("every password hashing slot stayed busy for {0:?}")]
    Busy(Duration),
    #[error("password hashing failed: {0}")]
    Failed(#[from] anyhow::Error),
}

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Busy(waited) => {
                tracing::warn!(?waited, "password hashing queue full; answering 503");
                AppError::Unavailable(
                    "Too many passwords are being checked right now. Try again in a few seconds.".into(),
                )
            }
            HashError::Failed(cause) => AppError::internal("password hashing", cause),
        }
    }
}

/// Permits for concurrent hashes and how long to wait for one.
pub struct HashQueue {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl HashQueue {
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a permit is free, holding the
    /// permit until `work` is done (even if the caller stops waiting).
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy(self.wait))?
            .map_err(|e| HashError::Failed(e.into()))?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|e| HashError::Failed(e.into()))?
        .map_err(HashError::Failed)
    }
}

/// The process's queue: one permit per core.
static QUEUE: LazyLock<HashQueue> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    HashQueue::new(cores, QUEUE_WAIT)
});

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (it takes tens of milliseconds of CPU).
pub async fn hash(password: String) -> Result<String, HashError> {
    QUEUE.run(move || hash_now(&password)).await
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Verifies against `stored`, or against a dummy hash when there is no user,
/// so an unknown email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, HashError> {
    QUEUE.run(move || verify_now(&password, stored)).await
}

fn verify_now(password: &str, stored: Option<String>) -> anyhow::Result<bool> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
    let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
    Ok(known && matches)
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"no user has this password", &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let stored = hash("correct horse battery".into()).await.expect("hashes");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(
            verify("correct horse battery".into(), Some(stored.clone()))
                .await
                .expect("verifies")
        );
        assert!(
            !verify("wrong horse battery".into(), Some(stored))
                .await
                .expect("verifies")
        );
    }

    /// Prints how long one hash takes with the production parameters
    /// (`cargo nextest run -p app --features ssr -E 'test(hash_timing)' --run-ignored only --no-capture --release`).
    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn hash_timing() {
        let mut times = Vec::new();
        for _ in 0..10 {
            let started = std::time::Instant::now();
            hash("correct horse battery staple".into()).await.expect("hashes");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "argon2id m={MEMORY_KIB} KiB t={ITERATIONS} p={PARALLELISM}: median {:?}, min {:?}, max {:?}",
            times[5], times[0], times[9]
        );
    }

    #[tokio::test]
    async fn hashes_past_the_permits_wait_and_then_are_refused() {
        let queue = Arc::new(HashQueue::new(2, Duration::from_millis(600)));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (queue, running, most) = (queue.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                queue
                    .run(move || {
                        use std::sync::atomic::Ordering::SeqCst;
                        let now = running.fetch_add(1, SeqCst) + 1;
                        most.fetch_max(now, SeqCst);
                        std::thread::sleep(Duration::from_millis(400));
                        running.fetch_sub(1, SeqCst);
                        Ok(())
                    })
                    .await
            }));
        }
        let mut busy = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(()) => {}
                Err(HashError::Busy(_)) => busy += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(
            most.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "never more than the permits"
        );
        // Two run at once, two more after 400 ms; the last two would start at
        // 800 ms, past the 600 ms wait.
        assert_eq!(busy, 2);
        let refused = AppError::from(HashError::Busy(Duration::from_millis(600)));
        assert!(matches!(refused, AppError::Unavailable(_)), "{refused:?}");
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(
            !verify("no user has this password".into(), None)
                .await
                .expect("verifies")
        );
    }
}
