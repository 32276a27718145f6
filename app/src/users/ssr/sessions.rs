//! A user's sessions as the Users page shows them, and ending one.
//!
//! A session id is a bearer credential, so it never leaves the server: the
//! page names each session by a handle (a SHA-256 prefix of the id) and the
//! server finds the session again by that handle.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tower_sessions::session::Record;

use crate::auth::ssr::session_store::RedisSessionStore;
use crate::auth::ssr::{CLIENT_IP, SIGNED_IN_AT, USER_AGENT};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::ActiveSession;

/// The non-secret name of a session: 16 hex digits of SHA-256 of its id.
pub fn handle_of(session_id: &str) -> String {
    Sha256::digest(session_id.as_bytes())
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn describe(record: &Record, current_handle: Option<&str>) -> ActiveSession {
    let text = |key: &str| {
        record
            .data
            .get(key)
            .and_then(|value| value.as_str())
            .map(str::to_string)
    };
    let handle = handle_of(&record.id.to_string());
    ActiveSession {
        current: current_handle == Some(handle.as_str()),
        handle,
        signed_in_at: record
            .data
            .get(SIGNED_IN_AT)
            .and_then(serde_json::Value::as_i64)
            .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0)),
        client_ip: text(CLIENT_IP),
        user_agent: text(USER_AGENT),
        expires_at: DateTime::<Utc>::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_default(),
    }
}

fn store_unavailable(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "session store unavailable on the Users page");
    AppError::Unavailable("The session store cannot be reached right now. Try again shortly.".into())
}

/// The id of the session making this request, if it has one.
pub async fn current_session_id() -> Option<String> {
    match leptos_axum::extract::<tower_sessions::Session>().await {
        Ok(session) => session.id().map(|id| id.to_string()),
        Err(_) => None,
    }
}

/// The user's live sessions, newest sign-in first. `current_session_id` marks
/// the one making this request.
pub async fn list(
    state: &AppState,
    user_id: i64,
    current_session_id: Option<String>,
) -> Result<Vec<ActiveSession>, AppError> {
    let store = RedisSessionStore::new(state.redis.clone());
    let records = store.sessions_of(user_id).await.map_err(store_unavailable)?;
    let current = current_session_id.as_deref().map(handle_of);
    let mut sessions: Vec<ActiveSession> = records
        .iter()
        .map(|record| describe(record, current.as_deref()))
        .collect();
    sessions.sort_by(|a, b| {
        b.signed_in_at
            .cmp(&a.signed_in_at)
            .then_with(|| a.handle.cmp(&b.handle))
    });
    Ok(sessions)
}

/// The session of `user_id` named by `handle`, if it is still live.
pub async fn find(state: &AppState, user_id: i64, handle: &str) -> Result<Option<(Record, ActiveSession)>, AppError> {
    let store = RedisSessionStore::new(state.redis.clone());
    let records = store.sessions_of(user_id).await.map_err(store_unavailable)?;
    Ok(records.into_iter().find_map(|record| {
        let session = describe(&record, None);
        (session.handle == handle).then_some((record, session))
    }))
}

/// Ends every session of the user after a committed change. The change
/// stands if Redis is down; the admin is told the sessions may live on.
pub async fn end_all(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let store = RedisSessionStore::new(state.redis.clone());
    store.end_all_of(user_id).await.map(|_| ()).map_err(|error| {
        tracing::error!(%error, user_id, "change saved but the user's sessions could not be ended");
        AppError::Unavailable(
            "The change was saved, but the user's sessions could not be ended because the session store cannot be reached. \
             Try again shortly."
                .into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::handle_of;

    #[test]
    fn handles_are_short_stable_and_do_not_reveal_the_id() {
        let handle = handle_of("c2Vzc2lvbi1pZA");
        assert_eq!(handle.len(), 16);
        assert_eq!(handle, handle_of("c2Vzc2lvbi1pZA"));
        assert_ne!(handle, handle_of("c2Vzc2lvbi1pZB"));
        assert!(!handle.contains("c2Vz"));
    }
}
