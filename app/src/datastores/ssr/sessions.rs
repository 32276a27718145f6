//! Ending a client session of Opsdeck's own Postgres from the Data stores
//! page (admins only): `pg_terminate_backend`, audited with what the
//! session was doing. Only client sessions can be ended, never the one
//! asking.

use serde_json::json;

use super::activity::QUERY_CHARS;
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::state::AppState;

type Row = (String, String, String, String, String, String);

/// Ends the client session `pid`; audited as `datastore.session.end` with
/// the session as it was. A session that is gone (or was never a client
/// session) is a field error on `pid`.
pub async fn end(state: &AppState, caller: &Caller, pid: i32) -> Result<(), AppError> {
    let mut change = caller.audited(state, "data stores: begin").await?;
    let session: Option<Row> = sqlx::query_as(
        "SELECT coalesce(usename::text, ''), coalesce(datname::text, ''), coalesce(application_name, ''), \
                coalesce(host(client_addr), 'local'), coalesce(state, ''), left(coalesce(query, ''), $2) \
         FROM pg_stat_activity \
         WHERE pid = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    .bind(pid)
    .bind(QUERY_CHARS)
    .fetch_optional(&mut *change.tx)
    .await
    .map_err(AppError::internal_in("data stores: find session"))?;
    let gone = || AppError::validation("pid", format!("Session {pid} is not connected any more."));
    let (user, database, application, client, state_text, query) = session.ok_or_else(gone)?;
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&mut *change.tx)
        .await
        .map_err(|error| AppError::validation("pid", format!("Postgres would not end session {pid}: {error}")))?;
    if !ended {
        return Err(gone());
    }
    let before = json!({
        "pid": pid, "user": user, "database": database, "application": application,
        "client": client, "state": state_text, "query": query,
    });
    let entry = change
        .entry("datastore.session.end")
        .target("pg_session", pid)
        .change(Some(before), None);
    change.commit(entry, "data stores: audit").await
}
