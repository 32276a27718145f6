//! `GET /api/v1/logs/tail?q=<query>`: the live tail of the Logs page, as
//! Server-Sent Events (`event: line`, `id: <stream entry id>`, `data:
//! <LogLine JSON>`), one event per committed line the query matches.
//!
//! The gate admits only `ReadLogs` (admins, operators, support). The query
//! is the Logs page's (`app::logs::query`), matched here, on the server,
//! with `Query::matches` — the same rule as the search's SQL — so a browser
//! receives only its matches. Everything else is the live stream's: the
//! per-user cap (429), `Last-Event-ID` replayed from the Redis stream, the
//! shared heartbeat, a browser that falls behind dropped (it reconnects
//! and resumes), the session re-checked while open. A bad query is refused
//! with 422 and the message with its position.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::auth::permissions::Permission;
use app::logs::LIVE_STREAM;
use app::logs::query::Query as LogQuery;
use app::state::AppState;

use super::stream::{Filter, Opening, open};
use super::viewer::Viewer;

#[derive(Debug, Deserialize)]
pub struct TailQuery {
    #[serde(default)]
    q: String,
}

pub async fn logs_tail(State(state): State<AppState>, viewer: Viewer, Query(query): Query<TailQuery>) -> Response {
    let query = match LogQuery::parse(&query.q) {
        Ok(query) => query,
        Err(error) => {
            let body = serde_json::json!({ "error": format!("q: {error}"), "field": "q", "position": error.position });
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
        }
    };
    let filter = Filter {
        last_sent: None,
        service: None,
        points: false,
        reads_alerts: false,
        issues: false,
        stores: false,
        logs: Some(query),
    };
    let receiver = viewer.live.subscribe_logs();
    open(Opening {
        state,
        viewer,
        receiver,
        stream: LIVE_STREAM,
        filter,
        permission: Permission::ReadLogs,
    })
    .await
}
