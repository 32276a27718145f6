//! One answer shared by everyone who asks within a few seconds: the
//! Overview's reads (`overview_reads`) are the same for every viewer, so
//! one computation serves them all instead of one per page view.
//!
//! An answer remembers the *generation* it was computed at; whoever learns
//! that its data changed (the live stream's reader, or this instance's own
//! ingest) calls [`SharedRead::touch`]. Then:
//! - a touched answer is never served: the next request computes a new one
//!   and concurrent requests wait for that one computation (a page loaded
//!   right after new data arrived shows it);
//! - an untouched answer is fresh for `fresh`; after that it is still served
//!   while one background task computes its replacement (viewers never wait
//!   for a recomputation only the clock asked for).
//!
//! Errors are not kept: the next request tries again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::AppError;

struct Kept<T> {
    value: Arc<T>,
    computed: Instant,
    generation: u64,
    /// Set while a background task computes the replacement.
    refreshing: AtomicBool,
}

struct Inner<T> {
    fresh: Duration,
    generation: AtomicU64,
    kept: Mutex<Option<Arc<Kept<T>>>>,
    /// Held while computing, so concurrent misses share one computation.
    computing: tokio::sync::Mutex<()>,
}

pub struct SharedRead<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for SharedRead<T> {
    fn clone(&self) -> Self {
        SharedRead {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Send + Sync + 'static> SharedRead<T> {
    pub fn new(fresh: Duration) -> Self {
        SharedRead {
            inner: Arc::new(Inner {
                fresh,
                generation: AtomicU64::new(0),
                kept: Mutex::new(None),
                computing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The data behind the answer changed: the kept answer is not served again.
    pub fn touch(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn current(&self) -> Option<Arc<Kept<T>>> {
        let kept = self.inner.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.clone()
            .filter(|kept| kept.generation == self.inner.generation.load(Ordering::Acquire))
    }

    fn keep(&self, value: Arc<T>, computed: Instant, generation: u64) {
        let mut kept = self.inner.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // A slower computation must not replace a newer answer.
        if kept
            .as_ref()
            .is_none_or(|old| old.generation <= generation && old.computed <= computed)
        {
            *kept = Some(Arc::new(Kept {
                value,
                computed,
                generation,
                refreshing: AtomicBool::new(false),
            }));
        }
    }

    /// The shared answer, computing it with `compute` when there is none for
    /// the current generation (see the module's comment).
    pub async fn get_or_compute<F, Fut>(&self, compute: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        if let Some(kept) = self.current() {
            if kept.computed.elapsed() >= self.inner.fresh && !kept.refreshing.swap(true, Ordering::AcqRel) {
                let (this, started, stale) = (self.clone(), Instant::now(), kept.clone());
                let pending = compute();
                tokio::spawn(async move {
                    match pending.await {
                        Ok(value) => this.keep(Arc::new(value), started, stale.generation),
                        Err(error) => {
                            tracing::warn!(%error, "could not refresh a shared answer");
                            stale.refreshing.store(false, Ordering::Release);
                        }
                    }
                });
            }
            return Ok(kept.value.clone());
        }
        let _computing = self.inner.computing.lock().await;
        // Computed by whoever held the lock before us.
        if let Some(kept) = self.current() {
            return Ok(kept.value.clone());
        }
        let (started, generation) = (Instant::now(), self.inner.generation.load(Ordering::Acquire));
        let value = Arc::new(compute().await?);
        self.keep(value.clone(), started, generation);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn counting(calls: &Arc<AtomicUsize>) -> impl Future<Output = Result<usize, AppError>> + Send + 'static {
        let calls = calls.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(calls.fetch_add(1, Ordering::SeqCst) + 1)
        }
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_computation() {
        let read = SharedRead::new(Duration::from_secs(60));
        let calls = Arc::new(AtomicUsize::new(0));
        let answers = futures::future::join_all((0..20).map(|_| read.get_or_compute(|| counting(&calls)))).await;
        assert!(answers.iter().all(|answer| answer.as_deref() == Ok(&1)), "{answers:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_touched_answer_is_never_served_again() {
        let read = SharedRead::new(Duration::from_secs(60));
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(read.get_or_compute(|| counting(&calls)).await.as_deref(), Ok(&1));
        assert_eq!(read.get_or_compute(|| counting(&calls)).await.as_deref(), Ok(&1));
        read.touch();
        assert_eq!(read.get_or_compute(|| counting(&calls)).await.as_deref(), Ok(&2));
    }

    #[tokio::test]
    async fn an_old_answer_is_served_while_its_replacement_is_computed() {
        let read = SharedRead::new(Duration::ZERO);
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(read.get_or_compute(|| counting(&calls)).await.as_deref(), Ok(&1));
        // Stale by age: still answered at once, recomputed in the background.
        assert_eq!(read.get_or_compute(|| counting(&calls)).await.as_deref(), Ok(&1));
        let mut newer = 1;
        for _ in 0..200 {
            newer = *read.get_or_compute(|| counting(&calls)).await.expect("answer");
            if newer > 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(newer > 1, "the replacement was computed and kept");
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let read: SharedRead<usize> = SharedRead::new(Duration::from_secs(60));
        let failed = read
            .get_or_compute(|| async { Err(AppError::internal("test", "down")) })
            .await;
        assert!(failed.is_err());
        assert_eq!(read.get_or_compute(|| async { Ok(7) }).await.as_deref(), Ok(&7));
    }
}
