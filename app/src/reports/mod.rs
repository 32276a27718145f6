//! Monthly reports for managers: per calendar month (UTC), for one service
//! or all, each service's latency and error rate against the month before,
//! incidents with their times to acknowledge and resolve, deployments with
//! their change failure rate, and backups. `month.rs` is the month and its
//! validation, `view.rs` what a report holds, `csv.rs` its tables as CSV
//! (`/reports/export.csv`), `api.rs` the server function, `ssr/` the
//! queries and the cache readers share. `schedule.rs` and `digest.rs` are
//! the scheduled summaries posted to channels (`schedules_api.rs`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod digest;
pub mod month;
pub mod schedule;
pub mod schedules_api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod view;

pub use api::*;
pub use schedules_api::*;

use serde::{Deserialize, Serialize};

use crate::url::{present, query_string};

/// What the report page's URL asks for: `?month=2026-11&service=checkout`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub month: Option<String>,
    pub service: Option<String>,
}

impl ReportQuery {
    pub fn of(map: &leptos_router::params::ParamsMap) -> ReportQuery {
        ReportQuery {
            month: map.get("month"),
            service: map.get("service"),
        }
    }

    /// The service asked for; `None` for every service.
    pub fn service(&self) -> Option<String> {
        present(&self.service).map(str::to_string)
    }

    /// The permalink of `month`'s report for the same service.
    pub fn href(&self, month: month::Month) -> String {
        let month = Some(month.to_string());
        format!(
            "/reports?{}",
            query_string(&[("month", &month), ("service", &self.service)])
        )
    }

    /// Where `table` of `month`'s report downloads as CSV.
    pub fn csv_href(&self, month: month::Month, table: Table) -> String {
        let (month, table) = (Some(month.to_string()), Some(table.as_str().to_string()));
        let pairs = [("month", &month), ("service", &self.service), ("table", &table)];
        format!("/reports/export.csv?{}", query_string(&pairs))
    }
}

/// The report's tables, each downloadable as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Slos,
    History,
    Performance,
    Incidents,
    Deployments,
    Backups,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::Slos,
        Table::History,
        Table::Performance,
        Table::Incidents,
        Table::Deployments,
        Table::Backups,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Slos => "slos",
            Table::History => "history",
            Table::Performance => "performance",
            Table::Incidents => "incidents",
            Table::Deployments => "deployments",
            Table::Backups => "backups",
        }
    }

    pub fn parse(word: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.as_str() == word)
    }
}
