//! `GET /reports/export.csv?month=2026-11&service=…&table=incidents`: one
//! table of a monthly report as CSV, from the same (shared) report the
//! page shows.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::auth::CurrentUser;
use app::auth::permissions::Permission;
use app::error::AppError;
use app::reports::{Table, month};
use app::state::AppState;

use super::csv::write_record;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    month: Option<String>,
    service: Option<String>,
    table: Option<String>,
}

/// The gate has already refused anyone without `ReadReports`; the check
/// here keeps the route safe should it ever be mounted elsewhere.
pub async fn export_csv(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    parts: Parts,
    Query(query): Query<ExportQuery>,
) -> Response {
    match csv(&state, user, &parts, query).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn csv(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    parts: &Parts,
    query: ExportQuery,
) -> Result<Response, AppError> {
    let user = super::permitted(user, Permission::ReadReports)?;
    let table = Table::parse(query.table.as_deref().unwrap_or_default()).ok_or_else(|| {
        AppError::validation(
            "table",
            "Choose one of slos, history, performance, incidents, deployments or backups.",
        )
    })?;
    let month = month::chosen(query.month.as_deref(), chrono::Utc::now())?;
    let service = app::url::present(&query.service).map(str::to_string);
    let report = state.monthly_reports.report(&state.db, month, service.clone()).await?;
    let (header, rows) = app::reports::csv::table(&report, table);
    let what =
        serde_json::json!({ "month": month.to_string(), "service": service, "table": query.table, "rows": rows.len() });
    super::exports::audit_export(state, &user, parts, "report.export", what).await?;
    let mut body = String::new();
    write_record(&mut body, header.iter().map(|name| Some(name.as_str())));
    for row in &rows {
        write_record(&mut body, row.iter().map(|cell| Some(cell.as_str())));
    }
    let scope = service.map_or_else(
        || "all".to_string(),
        |s| s.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
    );
    let filename = format!(
        "attachment; filename=\"opsdeck-report-{month}-{scope}-{}.csv\"",
        table.as_str()
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
