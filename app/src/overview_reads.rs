//! The Overview's reads, computed once per few seconds for everyone who may
//! see them (`shared_read`): the service tiles' data, the dependency checks,
//! the firing alerts per severity and the error issues per service. Who may
//! see which part is still decided per request (each server function's
//! `acting(…)`), and the tiles' thresholds are applied per request.
//!
//! Invalidated by the live stream (server `http::live`: a point touches the
//! tiles, an alert count the firing alerts, an issue update the tallies) and,
//! without waiting for Redis, by this instance's own ingest. The reads
//! themselves are in `overview_data`.

use std::time::Duration;

use crate::alerts::Severity;
use crate::errors::tally::ServiceTally;
use crate::health::HealthSnapshot;
use crate::metrics::ssr::overview::ServiceReads;
use crate::shared_read::SharedRead;

/// How long an answer no new data touched is served as it is.
pub const FRESH: Duration = Duration::from_secs(5);
/// The dependency checks say when they ran; "Refresh now" wants a recent one.
pub const HEALTH_FRESH: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct OverviewReads {
    pub services: SharedRead<ServiceReads>,
    pub health: SharedRead<HealthSnapshot>,
    pub firing: SharedRead<Vec<(Severity, i64)>>,
    pub tallies: SharedRead<Vec<ServiceTally>>,
}

impl Default for OverviewReads {
    fn default() -> Self {
        OverviewReads {
            services: SharedRead::new(FRESH),
            health: SharedRead::new(HEALTH_FRESH),
            firing: SharedRead::new(FRESH),
            tallies: SharedRead::new(FRESH),
        }
    }
}
