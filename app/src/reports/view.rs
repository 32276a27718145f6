//! What a monthly report holds: per section the rows its table shows and
//! the totals above it. Every row keeps what it links to (a rule, a
//! deployment, a backup target, a service's chart for the month).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::month::Month;
use crate::alerts::Severity;
use crate::deployments::DeploymentStatus;

/// One month's report, for one service or for all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub month: Month,
    /// `None`: every service.
    pub service: Option<String>,
    /// The services with requests, alerts or deployments in the month (the picker).
    pub services: Vec<String>,
    /// Whether the month is over (else its figures are "so far").
    pub complete: bool,
    pub computed_at: DateTime<Utc>,
    pub performance: Vec<ServicePerformance>,
    pub incidents: Vec<Incident>,
    pub incident_totals: IncidentTotals,
    pub deployments: Vec<DeploymentRow>,
    pub deployment_totals: DeploymentTotals,
    pub backups: Vec<BackupRow>,
    /// The month's SLOs (of the service, when the report has one).
    pub slos: Vec<SloRow>,
    /// Each SLO's last [`HISTORY_MONTHS`] months, ending with the report's.
    pub history: Vec<SloHistory>,
}

/// How many months the compliance history spans.
pub const HISTORY_MONTHS: usize = 12;

/// An SLO over the report's month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloRow {
    pub id: i64,
    pub name: String,
    pub service: String,
    /// The objective, in percent.
    pub objective: f64,
    /// The share of good events; `None` when nothing was measured.
    pub sli: Option<f64>,
    /// Whether the objective was met; `None` when nothing was measured.
    pub met: Option<bool>,
    /// "45.9 % left", "exhausted (−12.5 %)", "unmeasured".
    pub budget_left: String,
    /// "31 min of 43 min left".
    pub time_left: String,
    /// The share of the month's minutes with data, 0 to 1.
    pub coverage: f64,
}

/// An SLI as a percentage with the precision objectives need (99.950 %).
pub fn sli_percent(share: f64) -> String {
    format!("{:.3} %", share * 100.0)
}

/// A month's verdict on an objective in one word: met, missed, unmeasured.
pub fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "missed",
        None => "unmeasured",
    }
}

/// One SLO's compliance, month by month (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloHistory {
    pub id: i64,
    pub name: String,
    pub service: String,
    pub objective: f64,
    /// Per month: whether it was met and the SLI (`None`: unmeasured).
    pub months: Vec<(Month, Option<bool>, Option<f64>)>,
}

/// A service's requests over a month.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub requests: i64,
    pub errors: i64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Figures {
    /// Server errors per request, 0 to 1.
    pub fn error_rate(&self) -> f64 {
        if self.requests > 0 {
            self.errors as f64 / self.requests as f64
        } else {
            0.0
        }
    }
}

/// A service's month against the month before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServicePerformance {
    pub service: String,
    pub this_month: Figures,
    /// `None` when the service had no requests the month before (or they aged out).
    pub last_month: Option<Figures>,
}

/// One firing of a critical or warning alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub rule_id: i64,
    pub rule: String,
    pub service: String,
    pub severity: Severity,
    pub fired_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it stopped firing; `None` while it still fires.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Incident {
    /// Seconds from firing to the first acknowledgement.
    pub fn to_acknowledge(&self) -> Option<i64> {
        self.acknowledged_at.map(|at| (at - self.fired_at).num_seconds().max(0))
    }

    /// Seconds from firing to resolution.
    pub fn to_resolve(&self) -> Option<i64> {
        self.resolved_at.map(|at| (at - self.fired_at).num_seconds().max(0))
    }
}

/// The month's incidents in numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentTotals {
    pub count: usize,
    pub critical: usize,
    pub acknowledged: usize,
    pub resolved: usize,
    /// Mean time to acknowledge, over the acknowledged ones (seconds).
    pub mtta_secs: Option<i64>,
    /// Mean time to resolve, over the resolved ones (seconds).
    pub mttr_secs: Option<i64>,
}

impl IncidentTotals {
    pub fn of(incidents: &[Incident]) -> IncidentTotals {
        let mean = |values: Vec<i64>| {
            (!values.is_empty()).then(|| (values.iter().sum::<i64>() as f64 / values.len() as f64).round() as i64)
        };
        let acknowledged: Vec<i64> = incidents.iter().filter_map(Incident::to_acknowledge).collect();
        let resolved: Vec<i64> = incidents.iter().filter_map(Incident::to_resolve).collect();
        IncidentTotals {
            count: incidents.len(),
            critical: incidents.iter().filter(|i| i.severity == Severity::Critical).count(),
            acknowledged: acknowledged.len(),
            resolved: resolved.len(),
            mtta_secs: mean(acknowledged),
            mttr_secs: mean(resolved),
        }
    }
}

/// What made a deployment a failed change: within [`FAILURE_WINDOW_MINUTES`]
/// of it, a critical alert of its service fired or one of its error issues
/// regressed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ChangeFailure {
    CriticalAlert {
        rule_id: i64,
        rule: String,
        at: DateTime<Utc>,
    },
    RegressedIssue {
        issue_id: i64,
        at: DateTime<Utc>,
    },
}

/// How long after a deployment a critical alert or regression counts against it.
pub const FAILURE_WINDOW_MINUTES: i64 = 60;

/// One deployment of the month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub status: DeploymentStatus,
    pub started_at: DateTime<Utc>,
    /// Flagged by the Deployments page's impact rule (P95 or error rate worse).
    pub worse: bool,
    pub failure: Option<ChangeFailure>,
}

/// The month's deployments in numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentTotals {
    pub count: usize,
    pub worse: usize,
    pub failed_changes: usize,
    /// Failed changes per deployment, 0 to 1; `None` without deployments.
    pub change_failure_rate: Option<f64>,
}

impl DeploymentTotals {
    pub fn of(rows: &[DeploymentRow]) -> DeploymentTotals {
        let failed_changes = rows.iter().filter(|row| row.failure.is_some()).count();
        DeploymentTotals {
            count: rows.len(),
            worse: rows.iter().filter(|row| row.worse).count(),
            failed_changes,
            change_failure_rate: (!rows.is_empty()).then(|| failed_changes as f64 / rows.len() as f64),
        }
    }
}

/// A backup target's month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupRow {
    pub target_id: i64,
    pub target: String,
    pub runs: i64,
    pub succeeded: i64,
    /// The newest restore test that passed, up to the month's end.
    pub last_restore_test: Option<DateTime<Utc>>,
}

impl BackupRow {
    /// Succeeded runs per finished run, 0 to 1; `None` without runs.
    pub fn success_rate(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.succeeded as f64 / self.runs as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    fn incident(severity: Severity, ack_secs: Option<i64>, resolve_secs: Option<i64>) -> Incident {
        let fired_at = at("2026-11-03T10:00:00Z");
        Incident {
            rule_id: 1,
            rule: "r".into(),
            service: "s".into(),
            severity,
            fired_at,
            acknowledged_at: ack_secs.map(|s| fired_at + chrono::TimeDelta::seconds(s)),
            resolved_at: resolve_secs.map(|s| fired_at + chrono::TimeDelta::seconds(s)),
        }
    }

    #[test]
    fn mean_times_count_only_what_happened() {
        let incidents = [
            incident(Severity::Critical, Some(60), Some(600)),
            incident(Severity::Warning, Some(180), None),
            incident(Severity::Warning, None, Some(1200)),
        ];
        let totals = IncidentTotals::of(&incidents);
        assert_eq!((totals.count, totals.critical), (3, 1));
        assert_eq!((totals.acknowledged, totals.resolved), (2, 2));
        assert_eq!(totals.mtta_secs, Some(120), "(60 + 180) / 2");
        assert_eq!(totals.mttr_secs, Some(900), "(600 + 1200) / 2");
        assert_eq!(IncidentTotals::of(&[]), IncidentTotals::default());
    }

    #[test]
    fn change_failure_rate_is_failed_changes_per_deployment() {
        let row = |worse, failure: Option<ChangeFailure>| DeploymentRow {
            id: 1,
            service: "s".into(),
            version: "v".into(),
            environment: "prod".into(),
            status: DeploymentStatus::Succeeded,
            started_at: at("2026-11-03T10:00:00Z"),
            worse,
            failure,
        };
        let failed = ChangeFailure::RegressedIssue {
            issue_id: 9,
            at: at("2026-11-03T10:20:00Z"),
        };
        let totals = DeploymentTotals::of(&[
            row(true, Some(failed)),
            row(true, None),
            row(false, None),
            row(false, None),
        ]);
        assert_eq!((totals.count, totals.worse, totals.failed_changes), (4, 2, 1));
        assert_eq!(totals.change_failure_rate, Some(0.25));
        assert_eq!(DeploymentTotals::of(&[]).change_failure_rate, None);
    }
}
