//! A report's tables as CSV rows (the server writes them, quoting and
//! defusing formulas): the same columns as the page, raw numbers (ms,
//! ratios 0–1, seconds, RFC 3339 times) so a spreadsheet can compute.

use chrono::{DateTime, Utc};

use super::Table;
use super::view::{ChangeFailure, Figures, Report, verdict};

/// The header and the rows of `table`.
pub fn table(report: &Report, table: Table) -> (Vec<String>, Vec<Vec<String>>) {
    let named = |names: &[&str]| names.iter().map(|name| name.to_string()).collect::<Vec<String>>();
    let (header, rows) = match table {
        Table::Slos => (
            named(&[
                "slo_id",
                "slo",
                "service",
                "objective_percent",
                "sli",
                "met",
                "budget_left",
                "coverage",
            ]),
            report
                .slos
                .iter()
                .map(|row| {
                    vec![
                        row.id.to_string(),
                        row.name.clone(),
                        row.service.clone(),
                        row.objective.to_string(),
                        ratio(row.sli),
                        verdict(row.met).to_string(),
                        row.budget_left.clone(),
                        format!("{:.4}", row.coverage),
                    ]
                })
                .collect(),
        ),
        Table::History => {
            let mut header = named(&["slo_id", "slo", "service", "objective_percent"]);
            if let Some(first) = report.history.first() {
                header.extend(first.months.iter().map(|(month, _, _)| month.to_string()));
            }
            let rows = report
                .history
                .iter()
                .map(|row| {
                    let mut cells = vec![
                        row.id.to_string(),
                        row.name.clone(),
                        row.service.clone(),
                        row.objective.to_string(),
                    ];
                    cells.extend(row.months.iter().map(|(_, met, sli)| match sli {
                        Some(sli) => format!("{} {}", verdict(*met), ratio(Some(*sli))),
                        None => "unmeasured".to_string(),
                    }));
                    cells
                })
                .collect();
            (header, rows)
        }
        Table::Performance => (
            named(&[
                "service",
                "requests",
                "error_rate",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "last_month_requests",
                "last_month_error_rate",
                "last_month_p50_ms",
                "last_month_p95_ms",
                "last_month_p99_ms",
            ]),
            report
                .performance
                .iter()
                .map(|row| {
                    let mut cells = vec![row.service.clone()];
                    cells.extend(figures(Some(&row.this_month)));
                    cells.extend(figures(row.last_month.as_ref()));
                    cells
                })
                .collect(),
        ),
        Table::Incidents => (
            named(&[
                "rule_id",
                "rule",
                "service",
                "severity",
                "fired_at",
                "acknowledged_at",
                "resolved_at",
                "seconds_to_acknowledge",
                "seconds_to_resolve",
            ]),
            report
                .incidents
                .iter()
                .map(|i| {
                    vec![
                        i.rule_id.to_string(),
                        i.rule.clone(),
                        i.service.clone(),
                        i.severity.as_str().to_string(),
                        time(Some(i.fired_at)),
                        time(i.acknowledged_at),
                        time(i.resolved_at),
                        i.to_acknowledge().map(|s| s.to_string()).unwrap_or_default(),
                        i.to_resolve().map(|s| s.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Table::Deployments => (
            named(&[
                "deployment_id",
                "service",
                "version",
                "environment",
                "status",
                "started_at",
                "worse",
                "failed_change",
            ]),
            report
                .deployments
                .iter()
                .map(|d| {
                    let failure = match &d.failure {
                        Some(ChangeFailure::CriticalAlert { rule, .. }) => format!("critical alert: {rule}"),
                        Some(ChangeFailure::RegressedIssue { issue_id, .. }) => format!("regressed issue #{issue_id}"),
                        None => String::new(),
                    };
                    vec![
                        d.id.to_string(),
                        d.service.clone(),
                        d.version.clone(),
                        d.environment.clone(),
                        d.status.as_str().to_string(),
                        time(Some(d.started_at)),
                        d.worse.to_string(),
                        failure,
                    ]
                })
                .collect(),
        ),
        Table::Backups => (
            named(&[
                "target_id",
                "target",
                "runs",
                "succeeded",
                "success_rate",
                "last_passed_restore_test",
            ]),
            report
                .backups
                .iter()
                .map(|b| {
                    vec![
                        b.target_id.to_string(),
                        b.target.clone(),
                        b.runs.to_string(),
                        b.succeeded.to_string(),
                        b.success_rate().map(|r| format!("{r:.4}")).unwrap_or_default(),
                        time(b.last_restore_test),
                    ]
                })
                .collect(),
        ),
    };
    (header, rows)
}

fn ratio(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn figures(figures: Option<&Figures>) -> Vec<String> {
    match figures {
        Some(f) => vec![
            f.requests.to_string(),
            format!("{:.6}", f.error_rate()),
            format!("{:.2}", f.p50_ms),
            format!("{:.2}", f.p95_ms),
            format!("{:.2}", f.p99_ms),
        ],
        None => vec![String::new(); 5],
    }
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
