//! `GET /api/v1/alerts/rules.yaml`: the stored alert rules as a YAML file
//! (all of them, or one with `?rule=<id>`) for version control; the import
//! side is the app's import page and `opsdeck alert-rules import`.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::alerts::ssr::import::{Selection, export};
use app::auth::CurrentUser;
use app::auth::permissions::Permission;
use app::error::AppError;
use app::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// One rule's id; all rules when absent or empty.
    pub rule: Option<String>,
}

/// The gate has already refused (and audited) anyone without `ReadAlerts`;
/// the check here keeps the route safe should it ever be mounted elsewhere.
pub async fn export_yaml(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let user = match super::permitted(user, Permission::ReadAlerts) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let selection = match app::url::present(&query.rule) {
        None => Selection::All,
        Some(id) => match id.parse::<i64>() {
            Ok(id) => Selection::Id(id),
            Err(_) => return AppError::validation("rule", "A rule's id").into_response(),
        },
    };
    let yaml = match state.connection("alerts: acquire").await {
        Ok(mut conn) => export(&mut conn, &selection).await,
        Err(error) => Err(error),
    };
    let yaml = match yaml {
        Ok(yaml) => yaml,
        Err(error) => return error.into_response(),
    };
    tracing::info!(user_id = user.id, ?selection, "alert rules export");
    let filename = match selection {
        Selection::Id(id) => format!("attachment; filename=\"opsdeck-alert-rule-{id}.yaml\""),
        _ => "attachment; filename=\"opsdeck-alert-rules.yaml\"".to_string(),
    };
    let mut response = yaml.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/yaml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
