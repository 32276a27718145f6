//! Health of the services Opsdeck depends on (Postgres and Redis).
//!
//! The JSON shape of [`Readiness`] is the one `GET /ready` answers with and
//! that operators script against: keep field names and casing stable.
//!
//! `history` holds the Health page's types, `api` the server functions,
//! `ssr` (server only) the live checks and the history's reading.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod history;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;

/// Ordered from best to worst so the overall status is the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Up,
    Degraded,
    Down,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Degraded => "degraded",
            Status::Down => "down",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCheck {
    pub status: Status,
    /// Milliseconds the check took (or waited, when it timed out).
    #[serde(rename = "responseTime")]
    pub response_time: u64,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    pub database: ServiceCheck,
    pub redis: ServiceCheck,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    pub status: Status,
    pub services: Services,
}

impl Readiness {
    pub fn new(database: ServiceCheck, redis: ServiceCheck) -> Self {
        let status = database.status.max(redis.status);
        Self {
            status,
            services: Services { database, redis },
        }
    }
}

/// What the Overview page shows: the readiness answer and when it was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthSnapshot {
    pub readiness: Readiness,
    pub checked_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> ServiceCheck {
        ServiceCheck {
            status,
            response_time: 1,
            message: String::new(),
        }
    }

    #[test]
    fn overall_status_is_the_worst_service_status() {
        use Status::*;
        for (db, redis, overall) in [
            (Up, Up, Up),
            (Up, Degraded, Degraded),
            (Degraded, Up, Degraded),
            (Down, Degraded, Down),
            (Up, Down, Down),
        ] {
            assert_eq!(Readiness::new(check(db), check(redis)).status, overall);
        }
    }

    #[test]
    fn serialises_in_the_documented_shape() {
        let readiness = Readiness::new(
            ServiceCheck {
                status: Status::Degraded,
                response_time: 1396,
                message: "Slow response".into(),
            },
            ServiceCheck {
                status: Status::Up,
                response_time: 4,
                message: "Connected".into(),
            },
        );
        let json = serde_json::to_value(&readiness).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "status": "degraded",
                "services": {
                    "database": { "status": "degraded", "responseTime": 1396, "message": "Slow response" },
                    "redis": { "status": "up", "responseTime": 4, "message": "Connected" }
                }
            })
        );
    }
}
