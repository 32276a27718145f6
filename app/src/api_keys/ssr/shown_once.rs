//! A key created by a plain form post (no JavaScript), held in the creating
//! admin's session until the API keys page shows it once. The post is
//! answered with a redirect, which cannot carry the key, and the key must
//! never stand in a URL or a log line; the session lives in Redis, beside
//! the session's other secrets, and the page takes the key out of it.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::api_keys::CreatedApiKey;
use crate::error::AppError;

/// The session entry holding the key until it is shown.
const SESSION_KEY: &str = "api_keys.created";
/// A key not picked up within this time is dropped unseen (the admin can
/// revoke it and create another).
const KEEP_SECS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Pending {
    created: CreatedApiKey,
    at: i64,
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("api keys: session extract", e))
}

fn unavailable(error: &dyn std::fmt::Display) -> AppError {
    tracing::error!(%error, "api keys: the session store failed");
    AppError::Unavailable("The session store cannot be reached right now. Try again shortly.".into())
}

/// Keeps `created` for the next [`take`] in this session.
pub async fn keep(created: &CreatedApiKey) -> Result<(), AppError> {
    let pending = Pending {
        created: created.clone(),
        at: chrono::Utc::now().timestamp(),
    };
    let session = session().await?;
    session
        .insert(SESSION_KEY, pending)
        .await
        .map_err(|e| unavailable(&e))?;
    // Saved before the redirect goes out, so the page it leads to finds it.
    session.save().await.map_err(|e| unavailable(&e))
}

/// The answer to a create: the key itself, except to a plain form post
/// (no JavaScript), which is answered with a redirect that cannot carry
/// it: the page it leads to takes the key from the session, and the
/// redirect's body holds no secret.
pub async fn hand_over(created: CreatedApiKey) -> Result<CreatedApiKey, AppError> {
    if !crate::error::is_plain_form_post() {
        return Ok(created);
    }
    keep(&created).await?;
    leptos_axum::redirect("/settings/api-keys#new-key");
    Ok(CreatedApiKey {
        secret: String::new(),
        dsn: None,
        ..created
    })
}

/// The key kept by [`keep`], removed from the session: it is returned once.
pub async fn take() -> Result<Option<CreatedApiKey>, AppError> {
    let session = session().await?;
    let pending: Option<Pending> = match session.remove(SESSION_KEY).await {
        Ok(pending) => pending,
        // An entry that no longer reads as a key is dropped all the same.
        Err(tower_sessions::session::Error::SerdeJson(_)) => None,
        Err(error) => return Err(unavailable(&error)),
    };
    if pending.is_none() {
        return Ok(None);
    }
    // Saved now rather than when the response is done: a page streams its
    // body after the session layer has had its turn.
    session.save().await.map_err(|e| unavailable(&e))?;
    Ok(pending
        .filter(|pending| chrono::Utc::now().timestamp() - pending.at <= KEEP_SECS)
        .map(|pending| pending.created))
}
