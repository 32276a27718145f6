//! Deployments: what was deployed where, when and by whom, and what it did
//! to the service's latency and errors.
//!
//! CI records them through `POST /api/v1/deployments` (the server's
//! `deployments` module, with an API key), operators from the Deployments
//! page through the server functions in `api` (re-exported here), whose
//! bodies are `ssr::page`. Both go through the same parser (`draft`) and the
//! same audited writes (`ssr::record`). `filter` parses the page's URL
//! query, `impact` holds the before/after rule, and `ssr` (server only) the
//! queries.

use crate::errors::tally::IssueTally;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod draft;
pub mod filter;
pub mod impact;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;
pub use draft::{DeploymentDraft, Finish, NewDeployment};
pub use filter::{DeploymentFilter, DeploymentQuery, SortKey};
pub use impact::{Impact, ImpactWindow, Verdict};

/// Rows per page of the Deployments table.
pub const PAGE_SIZE: i64 = 25;
/// The timeline shows at most this many deployments (the newest).
pub const TIMELINE_LIMIT: i64 = 100;

/// Where a deployment stands. `Started` is the only state that changes: once,
/// to one of the final ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    Started,
    Succeeded,
    Failed,
    RolledBack,
}

impl DeploymentStatus {
    pub const ALL: [DeploymentStatus; 4] = [
        DeploymentStatus::Started,
        DeploymentStatus::Succeeded,
        DeploymentStatus::Failed,
        DeploymentStatus::RolledBack,
    ];
    /// The statuses a started deployment can finish with.
    pub const FINAL: [DeploymentStatus; 3] = [
        DeploymentStatus::Succeeded,
        DeploymentStatus::Failed,
        DeploymentStatus::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Started => "started",
            DeploymentStatus::Succeeded => "succeeded",
            DeploymentStatus::Failed => "failed",
            DeploymentStatus::RolledBack => "rolled_back",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeploymentStatus::Started => "Started",
            DeploymentStatus::Succeeded => "Succeeded",
            DeploymentStatus::Failed => "Failed",
            DeploymentStatus::RolledBack => "Rolled back",
        }
    }

    pub fn parse(value: &str) -> Option<DeploymentStatus> {
        DeploymentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value.trim())
    }

    pub fn is_final(self) -> bool {
        self != DeploymentStatus::Started
    }
}

/// How a deployment was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// From the Deployments page.
    Ui,
    /// Through `POST /api/v1/deployments`.
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Api => "api",
        }
    }
}

/// One deployment record; also the API's JSON answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub commit: Option<String>,
    pub status: DeploymentStatus,
    pub started_at: DateTime<Utc>,
    /// Set together with a final status.
    pub finished_at: Option<DateTime<Utc>>,
    /// Who or what deployed, in words.
    pub deployed_by: String,
    /// An http(s) link to release notes or the CI run.
    pub notes_url: Option<String>,
    pub source: Source,
    pub created_at: DateTime<Utc>,
}

/// A deployment as the Performance page marks it on the time axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentMarker {
    pub id: i64,
    pub version: String,
    pub environment: String,
    pub status: DeploymentStatus,
    pub started_at: DateTime<Utc>,
}

/// A row of the Deployments table: the record and its impact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub deployment: Deployment,
    pub impact: Impact,
    /// Error issues new or regressed from it until the service's next
    /// deployment; `None` for viewers who may not see error counts.
    pub issues: Option<IssueTally>,
}

/// Everything the Deployments page shows for one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentListing {
    /// This page of the table.
    pub rows: Vec<DeploymentRow>,
    /// Deployments matching the filter (all pages).
    pub total: i64,
    /// Zero-based.
    pub page: u32,
    /// The newest matching deployments, newest first, for the timeline.
    pub timeline: Vec<Deployment>,
    /// Services and environments that have deployments, for the filter.
    pub services: Vec<String>,
    pub environments: Vec<String>,
    /// Whether the viewer may record and finish deployments.
    pub can_record: bool,
    /// The viewer's email: what "deployed by" defaults to in the form.
    pub viewer: String,
}

impl DeploymentListing {
    pub fn has_more(&self) -> bool {
        i64::from(self.page + 1) * PAGE_SIZE < self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in DeploymentStatus::ALL {
            assert_eq!(DeploymentStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(DeploymentStatus::parse("done"), None);
        assert!(DeploymentStatus::FINAL.iter().all(|s| s.is_final()));
        assert!(!DeploymentStatus::Started.is_final());
    }
}
