//! `GET /api/v1/backups/download?run=ID`: a backup file, for admins
//! (`ManageBackups`), streamed from the store. Each download is audited
//! (`backup.download`) before the first byte goes out.

use axum::Extension;
use axum::body::Body;
use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::io::AsyncReadExt;

use app::audit::Outcome;
use app::audit::ssr::{Actor, NewAuditEntry, append_and_commit};
use app::auth::CurrentUser;
use app::auth::permissions::Permission;
use app::auth::ssr::client_info_from;
use app::backups::ssr::queries;
use app::error::AppError;
use app::state::AppState;

pub async fn download(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let user = match super::permitted(user, Permission::ManageBackups) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let Some(run_id) = query.get("run").and_then(|run| run.parse::<i64>().ok()) else {
        return AppError::validation("run", "Name the backup: ?run=ID.").into_response();
    };
    match prepare(&state, &user, run_id, &parts).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn prepare(state: &AppState, user: &CurrentUser, run_id: i64, parts: &Parts) -> Result<Response, AppError> {
    let mut conn = state.connection("db acquire").await?;
    let run = queries::run(&mut conn, run_id)
        .await
        .map_err(|e| AppError::internal("load backup run", e))?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let key = match (&run.location, run.is_available()) {
        (Some(key), true) => key.clone(),
        _ => {
            return Err(AppError::Conflict(
                "This backup has no file: it did not succeed or was pruned.".into(),
            ));
        }
    };
    let size = state
        .backups
        .store
        .size(&key)
        .await
        .map_err(|e| AppError::internal("backup file size", e))?;
    let file = state
        .backups
        .store
        .open(&key)
        .await
        .map_err(|e| AppError::internal("open backup file", e))?;
    let entry = NewAuditEntry::new(
        Actor::user(user),
        "backup.download",
        Outcome::Success,
        client_info_from(parts),
    )
    .target("backup_run", run_id)
    .change(
        None,
        Some(json!({ "location": key, "size_bytes": size, "sha256": run.sha256 })),
    );
    append_and_commit(state.begin("begin").await?, &state.audit_key, entry, "audit").await?;

    let name = key.rsplit('/').next().unwrap_or("backup.dump").to_string();
    // Ends after an error: the client sees a failed download, never a short file.
    let body = Body::from_stream(futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
