//! Health of the services Opsdeck depends on (Postgres and Redis).
//!
//! The JSON shape of [`Readiness`] is the one `GET /ready` answers with and
//! that operators script against: keep field names and casing stable.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub mod history;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

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

/// Runs the live checks now. Readable by anyone who can see the Overview.
#[server(endpoint = "health/snapshot")]
pub async fn check_health() -> Result<HealthSnapshot, AppError> {
    use crate::auth::permissions::Permission;
    crate::error::respond(
        async move {
            crate::auth::ssr::acting(Permission::ViewDashboards).await?;
            let state = crate::state::app_state()?;
            let readiness = ssr::check_all(&state).await;
            Ok(HealthSnapshot {
                readiness,
                checked_at: Utc::now(),
            })
        }
        .await,
    )
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
