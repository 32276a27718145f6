//! The report's server function (`ReadReports`: managers, admins, operators).

use leptos::prelude::*;

use super::ReportQuery;
use super::view::Report;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;

/// The report of the month the query names (the last whole month when none).
#[server(endpoint = "reports/month")]
pub async fn get_monthly_report(#[server(default)] query: ReportQuery) -> Result<Report, AppError> {
    acting(Permission::ReadReports).await?;
    let month = crate::error::respond(super::month::chosen(query.month.as_deref(), chrono::Utc::now()))?;
    let state = crate::state::app_state()?;
    let report = state.monthly_reports.report(&state.db, month, query.service()).await?;
    Ok(Report::clone(&report))
}
