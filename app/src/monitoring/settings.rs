//! The monitoring settings as they apply now on this instance (held by
//! `AppState`): every reader takes [`LiveSettings::current`] when it needs a
//! value, so a save seen here (the saving request, the Redis announcement or
//! the periodic re-read) applies from the next read on.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::{Baseline, MonitoringSettings, PageValues, resolve};

/// The stored row: the page's values, their version, who saved them and when.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored {
    pub version: i64,
    pub page: PageValues,
    pub updated: Option<(String, DateTime<Utc>)>,
}

/// What applies now, with the stored row it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Current {
    pub stored: Stored,
    pub settings: MonitoringSettings,
}

#[derive(Clone, Debug)]
pub struct LiveSettings {
    baseline: Arc<Baseline>,
    sender: Arc<watch::Sender<Arc<Current>>>,
}

impl LiveSettings {
    /// The environment's values (and defaults) until the stored row is read.
    /// `baseline` must resolve: the configuration checked it at start-up.
    pub fn new(baseline: Baseline) -> Self {
        let settings = resolve(&PageValues::new(), &baseline).unwrap_or_else(|error| {
            tracing::error!(%error, "the environment's monitoring settings do not fit together; using the defaults");
            resolve(&PageValues::new(), &Baseline::default()).unwrap_or_else(|_| unreachable!("the defaults resolve"))
        });
        let (sender, _) = watch::channel(Arc::new(Current {
            stored: Stored::default(),
            settings,
        }));
        Self {
            baseline: Arc::new(baseline),
            sender: Arc::new(sender),
        }
    }

    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// The settings as they apply now.
    pub fn current(&self) -> Arc<Current> {
        self.sender.borrow().clone()
    }

    /// Every change from now on (the collector restarts on a new interval).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Current>> {
        self.sender.subscribe()
    }

    /// Applies `stored` unless what applies is as new already. A stored row
    /// that no longer fits the environment (a variable changed since) keeps
    /// what applies and says so in the log.
    pub fn apply(&self, stored: Stored) {
        if stored.version <= self.current().stored.version && stored.version != 0 {
            return;
        }
        match resolve(&stored.page, &self.baseline) {
            Ok(settings) => {
                let next = Current { stored, settings };
                self.sender.send_if_modified(|now| {
                    if next.stored.version < now.stored.version || **now == next {
                        return false;
                    }
                    *now = Arc::new(next.clone());
                    true
                });
            }
            Err(error) => tracing::error!(
                %error,
                version = stored.version,
                "stored monitoring settings do not fit the environment; keeping the current ones"
            ),
        }
    }
}
