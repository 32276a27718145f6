//! `GET /api/v1/audit/export.csv`: the audit log as CSV.
//!
//! The export streams: rows come off a Postgres cursor-less `fetch` stream,
//! are written as CSV into ~64 KiB chunks and handed to the response body
//! through a small bounded channel, so a 100,000-row export never sits in
//! memory and a client that stops reading stops the query.

use std::io;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::channel::mpsc;
use futures::{SinkExt, Stream, TryStreamExt};
use sqlx::PgPool;

use app::audit::ssr::queries::{EntryRow, export_query};
use app::audit::{AuditFilter, AuditQuery};
use app::auth::CurrentUser;
use app::auth::permissions::Permission;
use app::state::AppState;

use super::csv::write_record;

/// The CSV's columns, in order.
pub const CSV_HEADER: [&str; 14] = [
    "id",
    "at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "client_ip",
    "user_agent",
    "request_id",
    "before",
    "after",
];

/// Bytes gathered before a chunk is sent to the client.
const CHUNK_BYTES: usize = 64 * 1024;

/// `GET /api/v1/audit/export.csv?<the Audit page's filters>`.
///
/// The gate has already refused (and audited) anyone without `ExportAudit`;
/// the check here keeps the route safe should it ever be mounted elsewhere.
pub async fn export_csv(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    parts: Parts,
    Query(filter): Query<AuditFilter>,
) -> Response {
    let user = match super::permitted(user, Permission::ExportAudit) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let query = match filter.parse() {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    let what = serde_json::to_value(&filter).unwrap_or_default();
    if let Err(error) = super::exports::audit_export(&state, &user, &parts, "audit.export", what).await {
        return error.into_response();
    }
    let filename = format!(
        "attachment; filename=\"opsdeck-audit-{}.csv\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    let mut response = Body::from_stream(csv_stream(state.db.clone(), query)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The CSV (header line first) of every entry matching `query`, newest first.
///
/// A database error after the first bytes went out can no longer change the
/// status, so it ends the body with an error: the client sees a failed
/// download, never a silently truncated file.
pub fn csv_stream(db: PgPool, query: AuditQuery) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let (mut sender, receiver) = mpsc::channel::<Result<Bytes, io::Error>>(4);
    tokio::spawn(async move {
        if let Err(error) = write_csv(&db, &query, &mut sender).await {
            tracing::error!(%error, "audit export failed while streaming");
            let _ = sender
                .send(Err(io::Error::other("the audit export failed; see the server log")))
                .await;
        }
    });
    receiver
}

async fn write_csv(
    db: &PgPool,
    query: &AuditQuery,
    sender: &mut mpsc::Sender<Result<Bytes, io::Error>>,
) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    let mut sql = export_query(query);
    let mut rows = sql.build_query_as::<EntryRow>().persistent(false).fetch(&mut *conn);
    let mut chunk = String::with_capacity(CHUNK_BYTES + 4096);
    write_record(&mut chunk, CSV_HEADER.iter().map(|name| Some(*name)));
    while let Some(row) = rows.try_next().await? {
        write_entry(&mut chunk, &row);
        if chunk.len() >= CHUNK_BYTES && sender.send(Ok(Bytes::from(std::mem::take(&mut chunk)))).await.is_err() {
            return Ok(()); // The client went away; dropping the stream ends the query.
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(Ok(Bytes::from(chunk))).await;
    }
    Ok(())
}

fn write_entry(out: &mut String, row: &EntryRow) {
    let id = row.head.id.to_string();
    let at = row.head.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let actor_id = row.head.actor_id.map(|id| id.to_string());
    let before = row.before.as_ref().map(ToString::to_string);
    let after = row.after.as_ref().map(ToString::to_string);
    write_record(
        out,
        [
            Some(id.as_str()),
            Some(at.as_str()),
            actor_id.as_deref(),
            row.head.actor_email.as_deref(),
            row.head.actor_role.as_deref(),
            Some(row.head.action.as_str()),
            row.head.target_type.as_deref(),
            row.head.target_id.as_deref(),
            Some(row.outcome.as_str()),
            row.client_ip.as_deref(),
            row.user_agent.as_deref(),
            row.request_id.as_deref(),
            before.as_deref(),
            after.as_deref(),
        ],
    );
}
