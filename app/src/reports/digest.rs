//! A summary of a week or a month, as a scheduled report posts it to a
//! channel: the figures a manager reads first (SLOs met, incidents with
//! their times to acknowledge and resolve, deployments and their failure
//! rate, backups, each service's traffic) and the same as a few lines of
//! text for chat. Computed by `ssr::digest` from the report's own queries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schedule::Period;
use super::view::{DeploymentTotals, Figures, IncidentTotals, SloRow, sli_percent, verdict};
use crate::components::short_time::span;

/// How many services and SLOs the text names (the rest are counted).
pub const NAMED: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub title: String,
    pub period: Period,
    pub from: DateTime<Utc>,
    /// The end, exclusive.
    pub to: DateTime<Utc>,
    /// `None`: every service.
    pub service: Option<String>,
    pub slos: Vec<SloRow>,
    pub incidents: IncidentTotals,
    pub deployments: DeploymentTotals,
    pub backup_runs: i64,
    pub backups_succeeded: i64,
    /// Each service's requests, errors and latency over the period.
    pub services: Vec<(String, Figures)>,
}

impl Digest {
    /// The summary as lines of plain text, headline first.
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "{} ({})",
            self.title,
            self.service.as_deref().unwrap_or("all services")
        )];
        lines.push(self.slo_line());
        let incidents = &self.incidents;
        let mut line = format!("Incidents: {} ({} critical)", incidents.count, incidents.critical);
        if let Some(mtta) = incidents.mtta_secs {
            line.push_str(&format!(", MTTA {}", span(mtta)));
        }
        if let Some(mttr) = incidents.mttr_secs {
            line.push_str(&format!(", MTTR {}", span(mttr)));
        }
        lines.push(line);
        let deployments = &self.deployments;
        let mut line = format!("Deployments: {}, {} worse", deployments.count, deployments.worse);
        if let Some(rate) = deployments.change_failure_rate {
            line.push_str(&format!(", change failure rate {:.1} %", rate * 100.0));
        }
        lines.push(line);
        lines.push(match self.backup_runs {
            0 => "Backups: none ran".to_string(),
            runs => format!("Backups: {} of {runs} succeeded", self.backups_succeeded),
        });
        for (service, figures) in self.services.iter().take(NAMED) {
            lines.push(format!(
                "{service}: {} requests, {:.2} % errors, P95 {:.0} ms",
                figures.requests,
                figures.error_rate() * 100.0,
                figures.p95_ms
            ));
        }
        if self.services.len() > NAMED {
            lines.push(format!("… and {} more services", self.services.len() - NAMED));
        }
        lines.join("\n")
    }

    fn slo_line(&self) -> String {
        if self.slos.is_empty() {
            return "SLOs: none defined".to_string();
        }
        let met = self.slos.iter().filter(|slo| slo.met == Some(true)).count();
        let named: Vec<String> = self
            .slos
            .iter()
            .take(NAMED)
            .map(|slo| {
                let achieved = slo.sli.map_or_else(|| "no data".to_string(), sli_percent);
                format!("{} {achieved} of {} % {}", slo.name, slo.objective, verdict(slo.met))
            })
            .collect();
        let more = self.slos.len().saturating_sub(NAMED);
        let tail = if more > 0 {
            format!("; … and {more} more")
        } else {
            String::new()
        };
        format!("SLOs: {met} of {} met — {}{tail}", self.slos.len(), named.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    fn slo(name: &str, sli: Option<f64>, met: Option<bool>) -> SloRow {
        SloRow {
            id: 1,
            name: name.into(),
            service: "shop".into(),
            objective: 99.9,
            sli,
            met,
            budget_left: String::new(),
            time_left: String::new(),
            coverage: 1.0,
        }
    }

    #[test]
    fn the_text_says_what_a_manager_reads_first() {
        let digest = Digest {
            title: "Monthly report · November 2026".into(),
            period: Period::Month,
            from: at("2026-11-01T00:00:00Z"),
            to: at("2026-12-01T00:00:00Z"),
            service: None,
            slos: vec![
                slo("Shop available", Some(0.9995), Some(true)),
                slo("Shop fast", Some(0.95), Some(false)),
                slo("Cart", None, None),
            ],
            incidents: IncidentTotals {
                count: 2,
                critical: 1,
                acknowledged: 1,
                resolved: 2,
                mtta_secs: Some(240),
                mttr_secs: Some(2700),
            },
            deployments: DeploymentTotals {
                count: 3,
                worse: 0,
                failed_changes: 1,
                change_failure_rate: Some(1.0 / 3.0),
            },
            backup_runs: 4,
            backups_succeeded: 3,
            services: vec![(
                "shop".into(),
                Figures {
                    requests: 200,
                    errors: 10,
                    p50_ms: 80.0,
                    p95_ms: 80.4,
                    p99_ms: 80.4,
                },
            )],
        };
        assert_eq!(
            digest.text(),
            "Monthly report · November 2026 (all services)\n\
             SLOs: 1 of 3 met — Shop available 99.950 % of 99.9 % met; Shop fast 95.000 % of 99.9 % missed; Cart no data of 99.9 % unmeasured\n\
             Incidents: 2 (1 critical), MTTA 4 min 0 s, MTTR 45 min 0 s\n\
             Deployments: 3, 0 worse, change failure rate 33.3 %\n\
             Backups: 3 of 4 succeeded\n\
             shop: 200 requests, 5.00 % errors, P95 80 ms"
        );
    }
}
