//! Group commit for the error doors: envelopes that arrive while a
//! transaction is being written share the next one. Each door hands its
//! prepared events to a [`Writer`] and waits; [`WRITERS`] tasks each take
//! every envelope waiting (at most `OPSDECK_ERROR_GROUP_ENVELOPES`) and
//! store them in one transaction (`store::store_group`), publish the touched issues to the
//! Errors pages watching live, and only then answer each door — so every
//! `200` still follows its envelope's commit.
//!
//! Each envelope stays all or nothing: one whose key was revoked stores
//! nothing and the others are stored; if the group's transaction fails,
//! nothing of it was kept and each envelope is stored again alone, so a
//! failing envelope only fails itself. Batches with an `Idempotency-Key`
//! (Opsdeck's JSON door) are stored alone by the door, as are all batches
//! when groups are off (`OPSDECK_ERROR_GROUP_ENVELOPES=1`: no writers) or
//! the writers are gone.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use app::api_keys::ErrorProject;
use app::errors::live::IssueUpdate;
use app::errors::ssr::event::PreparedEvent;
use app::errors::ssr::store::{Sender, StoreError, Stored, store_from, store_group};
use app::errors::ssr::write::{Batch, Written};
use app::state::AppState;

use super::keys::KeyCache;

/// Writing tasks: while one commits, the next gathers what arrives.
const WRITERS: usize = 2;
/// Envelopes waiting before doors wait to hand theirs over.
const QUEUE: usize = 1_024;

/// One envelope waiting for its commit.
struct Job {
    key_id: i64,
    project: ErrorProject,
    events: Vec<PreparedEvent>,
    answer: oneshot::Sender<Result<Stored, StoreError>>,
}

/// The doors' handle: the writers' queue and the key cache.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
    pub keys: Arc<KeyCache>,
}

/// Starts the writers (none when groups are off); they stop when every [`Writer`] is dropped.
pub fn spawn(state: AppState) -> Writer {
    let (jobs, waiting) = mpsc::channel(QUEUE);
    let waiting = Arc::new(Mutex::new(waiting));
    let writers = if state.errors.group_envelopes > 1 { WRITERS } else { 0 };
    for _ in 0..writers {
        tokio::spawn(write(state.clone(), Arc::clone(&waiting)));
    }
    Writer {
        jobs,
        keys: Arc::default(),
    }
}

impl Writer {
    /// Stores `events` of key `key_id` for `project`, committed (with
    /// others) and published before it returns.
    pub async fn store(
        &self,
        state: &AppState,
        key_id: i64,
        project: ErrorProject,
        events: Vec<PreparedEvent>,
    ) -> Result<Stored, StoreError> {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            key_id,
            project,
            events,
            answer,
        };
        match self.jobs.send(job).await {
            Ok(()) => answered.await.unwrap_or_else(|_| {
                // The writer stopped (a panic) before answering: its transaction was not committed.
                Err(StoreError::Database(sqlx::Error::WorkerCrashed))
            }),
            Err(mpsc::error::SendError(job)) => {
                let stored = alone(state, &job).await;
                publish(state, std::slice::from_ref(&stored)).await;
                stored
            }
        }
    }
}

async fn write(state: AppState, waiting: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let most = state.errors.group_envelopes.max(1);
    let mut jobs = Vec::with_capacity(most);
    loop {
        if waiting.lock().await.recv_many(&mut jobs, most).await == 0 {
            return;
        }
        let results = match jobs.len() {
            1 => vec![alone(&state, &jobs[0]).await],
            _ => together(&state, &jobs).await,
        };
        publish(&state, &results).await;
        for (job, result) in jobs.drain(..).zip(results) {
            // A door that stopped waiting (its client left) no longer needs the answer.
            let _ = job.answer.send(result);
        }
    }
}

fn sender(job: &Job) -> Sender<'static> {
    Sender::Key {
        id: job.key_id,
        batch: None,
    }
}

async fn alone(state: &AppState, job: &Job) -> Result<Stored, StoreError> {
    store_from(&state.db, &state.audit_key, sender(job), &job.project, &job.events).await
}

/// The jobs in one transaction; if it fails, each alone.
async fn together(state: &AppState, jobs: &[Job]) -> Vec<Result<Stored, StoreError>> {
    let group: Vec<Batch> = jobs
        .iter()
        .map(|job| Batch {
            sender: sender(job),
            project: &job.project,
            events: &job.events,
        })
        .collect();
    match store_group(&state.db, &state.audit_key, &group).await {
        Ok(written) => written
            .into_iter()
            .map(|written| match written {
                Written::Stored(stored) => Ok(stored),
                Written::KeyRefused => Err(StoreError::KeyRefused),
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, envelopes = jobs.len(), "a group of error envelopes failed; storing each alone");
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                results.push(alone(state, job).await);
            }
            results
        }
    }
}

/// After the commit; best-effort: a page that misses an update shows it on its next load.
async fn publish(state: &AppState, results: &[Result<Stored, StoreError>]) {
    if results.iter().flatten().any(|stored| !stored.touched.is_empty()) {
        // This instance's Overview counts them from its next request (others when the stream says so).
        state.overview.tallies.touch();
    }
    let mut touched: Vec<IssueUpdate> = Vec::new();
    for update in results.iter().flatten().flat_map(|stored| &stored.touched) {
        match touched.iter_mut().find(|seen| seen.issue_id == update.issue_id) {
            Some(seen) => {
                seen.new |= update.new;
                seen.events = seen.events.max(update.events);
                seen.title.clone_from(&update.title);
            }
            None => touched.push(update.clone()),
        }
    }
    crate::http::live::publish_issue_updates(&state.redis, &touched).await;
}
