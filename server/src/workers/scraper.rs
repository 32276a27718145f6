//! Prometheus scrape targets, scraped by the one instance holding
//! [`SCRAPER_LOCK`] (another takes over when it dies, `leader.rs`): every
//! [`TICK`] it looks for the enabled targets whose interval has passed and
//! scrapes each in a task of its own (`app::scrape::ssr::scrape`), within
//! the target's timeout, so a slow or dead target holds up no other and a
//! failure (even a panic) stays in its task.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::scrape::ssr::fetch;
use app::scrape::ssr::scrape::scrape;
use app::scrape::ssr::targets::{Scrapable, scrapable};
use app::state::AppState;

/// Advisory lock key of the scraper ('opsdeck scraper').
pub const SCRAPER_LOCK: i64 = 7_202_612_190;
/// How often the scraper looks for targets due.
pub const TICK: Duration = Duration::from_secs(1);

/// When each target is due next, and which are being scraped.
#[derive(Debug, Default)]
struct Schedule {
    next: HashMap<i64, Instant>,
    running: HashSet<i64>,
}

impl Schedule {
    /// The targets due at `now` that are not being scraped, marked as being
    /// scraped; targets no longer listed are forgotten.
    fn due(&mut self, targets: Vec<Scrapable>, now: Instant) -> Vec<Scrapable> {
        let listed: HashSet<i64> = targets.iter().map(|t| t.target.id).collect();
        self.next.retain(|id, _| listed.contains(id));
        let mut due = Vec::new();
        for target in targets {
            let id = target.target.id;
            if self.next.get(&id).is_none_or(|next| *next <= now) && self.running.insert(id) {
                let interval = Duration::from_secs(u64::try_from(target.target.interval_secs).unwrap_or(15).max(1));
                self.next.insert(id, now + interval);
                due.push(target);
            }
        }
        due
    }
}

pub async fn run(state: AppState) {
    let schedule = Arc::new(Mutex::new(Schedule::default()));
    let client = fetch::client();
    let round = || {
        let (state, schedule, client) = (state.clone(), schedule.clone(), client.clone());
        async move {
            let targets = match scrapable(&state.db).await {
                Ok(targets) => targets,
                Err(error) => {
                    tracing::warn!(%error, "could not list the scrape targets");
                    return;
                }
            };
            let due = lock(&schedule).due(targets, Instant::now());
            for target in due {
                let (state, client) = (state.clone(), client.clone());
                let running = Running(schedule.clone(), target.target.id);
                tokio::spawn(async move {
                    let last = scrape(&state.db, &state.secrets, &client, &target, chrono::Utc::now()).await;
                    if let Some(error) = &last.error {
                        tracing::debug!(url = %target.target.url, %error, "a scrape failed");
                    }
                    drop(running);
                });
            }
        }
    };
    crate::workers::leader::lead_every(state.db.clone(), SCRAPER_LOCK, TICK, "scraper", round).await;
}

/// A scrape under way: the target is due again once it ends, even by a panic.
struct Running(Arc<Mutex<Schedule>>, i64);

impl Drop for Running {
    fn drop(&mut self) {
        lock(&self.0).running.remove(&self.1);
    }
}

fn lock(schedule: &Mutex<Schedule>) -> std::sync::MutexGuard<'_, Schedule> {
    schedule.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running scraper; dropping it stops it.
pub struct Scraper(tokio::task::JoinHandle<()>);

impl Drop for Scraper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(state: AppState) -> Scraper {
    Scraper(tokio::spawn(run(state)))
}
