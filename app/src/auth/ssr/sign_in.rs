//! Sign-in, sign-out and changing one's own password, and the user a
//! session belongs to.

use tower_sessions::Session;

use super::{CLIENT_IP, Caller, SEEN_AT, SIGNED_IN_AT, USER_AGENT, USER_ID, hashing, rate_limit, session_store};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append_and_commit};
use crate::auth::CurrentUser;
use crate::auth::password::NewPassword;
use crate::error::AppError;
use crate::state::AppState;
use crate::users::ssr as users;

/// Loads the user a session belongs to, ending the session when it is past
/// its absolute lifetime or its user is gone or disabled.
pub async fn user_of_session(state: &AppState, session: &Session) -> Result<Option<CurrentUser>, AppError> {
    let user_id = session
        .get::<i64>(USER_ID)
        .await
        .map_err(|e| AppError::internal("session load", e))?;
    let Some(user_id) = user_id else { return Ok(None) };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(|e| AppError::internal("session load", e))?;
    let now = chrono::Utc::now().timestamp();
    let age = now - signed_in_at.unwrap_or(0);
    let expired = u64::try_from(age).map_or(true, |age| age > state.auth.absolute_timeout_secs);
    let mut conn = state.connection("db acquire").await?;
    let user = users::find_by_id(&mut conn, user_id)
        .await
        .map_err(|e| AppError::internal("load session user", e))?;
    match user {
        Some(record) if !expired && !record.summary.disabled => {
            keep_alive(session, now, state.auth.idle_timeout_secs).await;
            Ok(Some(CurrentUser {
                id: record.summary.id,
                email: record.summary.email,
                display_name: record.summary.display_name,
                role: record.summary.role,
            }))
        }
        _ => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

/// Moves the session's idle expiry forward (a change to the session makes
/// the session layer save it with a new expiry), at most once per
/// [`refresh_every`]: saving it on every request cost a Redis write per
/// page view. A session so ends between its idle timeout less that
/// interval and its idle timeout after its last request.
async fn keep_alive(session: &Session, now: i64, idle_timeout_secs: u64) {
    let seen = session.get::<i64>(SEEN_AT).await.ok().flatten().unwrap_or(0);
    if now - seen >= refresh_every(idle_timeout_secs) {
        let _ = session.insert(SEEN_AT, now).await;
    }
}

/// A tenth of the idle timeout, at least a second and at most a minute.
pub fn refresh_every(idle_timeout_secs: u64) -> i64 {
    i64::try_from((idle_timeout_secs / 10).clamp(1, 60)).unwrap_or(60)
}

/// Email and password sign-in. The same message answers an unknown email,
/// a wrong password and a disabled account.
pub async fn sign_in(
    state: &AppState,
    email: String,
    password: String,
    client: ClientInfo,
) -> Result<CurrentUser, AppError> {
    let email = email.trim().to_lowercase();
    // Both fields' problems at once.
    let mut errors = crate::error::FieldErrors::default();
    if email.is_empty() {
        errors.push("email", "Enter your email address.");
    }
    // Nothing longer than an email can be, nor a control character (a NUL
    // would reach Postgres as an error), is worth a lookup or a counter.
    if email.len() > 254 || email.chars().any(char::is_control) {
        errors.push("email", "This is not an email address.");
    }
    if password.is_empty() {
        errors.push("password", "Enter your password.");
    }
    errors.check()?;
    let attempt = Actor {
        id: None,
        email: Some(email.clone()),
        role: None,
    };
    let audit = |outcome, reason: &str| {
        NewAuditEntry::new(attempt.clone(), "auth.sign_in", outcome, client.clone())
            .change(None, Some(serde_json::json!({ "reason": reason })))
    };

    // The attempt counts before its password is hashed, so concurrent
    // attempts (here or on another instance) cannot outrun the limit.
    let limiter = rate_limit::Limiter::new(state);
    let counters = limiter.sign_in(&email, client.ip.as_deref());
    if let Some(retry_after) = limiter.reserve(&counters).await? {
        append_and_commit(
            state.begin("begin").await?,
            &state.audit_key,
            audit(Outcome::Denied, "temporarily locked"),
            "audit",
        )
        .await?;
        return Err(AppError::RateLimited { retry_after });
    }

    let mut conn = state.connection("db acquire").await?;
    let record = users::find_by_email(&mut conn, &email)
        .await
        .map_err(|e| AppError::internal("find user", e))?;
    drop(conn);
    let stored_hash = record.as_ref().map(|r| r.password_hash.clone());
    let matches = match hashing::verify(password, stored_hash).await {
        Ok(matches) => matches,
        Err(error) => {
            // Not checked, so not held against the account.
            limiter.refund(&counters).await?;
            return Err(error.into());
        }
    };
    let record = match record {
        Some(record) if matches && !record.summary.disabled => record,
        other => {
            let reason = match other {
                None => "unknown email",
                Some(r) if r.summary.disabled && matches => "account disabled",
                Some(_) => "wrong password",
            };
            append_and_commit(
                state.begin("begin").await?,
                &state.audit_key,
                audit(Outcome::Failure, reason),
                "audit",
            )
            .await?;
            return Err(AppError::SignInFailed);
        }
    };
    limiter.succeeded(&counters).await?;

    let user = CurrentUser {
        id: record.summary.id,
        email: record.summary.email.clone(),
        display_name: record.summary.display_name.clone(),
        role: record.summary.role,
    };
    start_session(state, &user, &client).await?;

    let mut tx = state.begin("begin").await?;
    users::record_sign_in(&mut tx, user.id)
        .await
        .map_err(|e| AppError::internal("record sign-in", e))?;
    let entry =
        NewAuditEntry::new(Actor::user(&user), "auth.sign_in", Outcome::Success, client).target("user", user.id);
    append_and_commit(tx, &state.audit_key, entry, "audit sign-in").await?;
    Ok(user)
}

/// A fresh session id (no fixation) holding the user, saved and indexed now
/// so a store failure refuses the sign-in instead of letting anyone in.
async fn start_session(state: &AppState, user: &CurrentUser, client: &ClientInfo) -> Result<(), AppError> {
    let session: Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("session extract", e))?;
    let unavailable = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "session store unavailable at sign-in");
        AppError::Unavailable(
            "Sign-in is unavailable right now: the session store cannot be reached. Try again shortly.".into(),
        )
    };
    session.cycle_id().await.map_err(|e| unavailable(&e))?;
    session.insert(USER_ID, user.id).await.map_err(|e| unavailable(&e))?;
    session
        .insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| unavailable(&e))?;
    session
        .insert(CLIENT_IP, client.ip.clone())
        .await
        .map_err(|e| unavailable(&e))?;
    session
        .insert(USER_AGENT, client.user_agent.clone())
        .await
        .map_err(|e| unavailable(&e))?;
    session.save().await.map_err(|e| unavailable(&e))?;
    let id = session
        .id()
        .ok_or_else(|| unavailable(&"session has no id after save"))?;
    let store = session_store::RedisSessionStore::new(state.redis.clone());
    store
        .index(user.id, &id, state.auth.absolute_timeout_secs)
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(())
}

/// Ends this session on the server (the cookie becomes worthless).
pub async fn sign_out(state: &AppState, caller: &Caller) -> Result<(), AppError> {
    let session: Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("session extract", e))?;
    if let Some(id) = session.id() {
        let store = session_store::RedisSessionStore::new(state.redis.clone());
        store
            .unindex(caller.id(), &id)
            .await
            .map_err(|e| AppError::internal("unindex session", e))?;
    }
    session
        .flush()
        .await
        .map_err(|e| AppError::internal("end session", e))?;
    let entry = caller.entry("auth.sign_out").target("user", caller.id());
    append_and_commit(state.begin("begin").await?, &state.audit_key, entry, "audit").await
}

/// Changes the signed-in user's own password (the current one is required),
/// then ends their other sessions.
pub async fn change_own_password(
    state: &AppState,
    caller: &Caller,
    current_password: String,
    new_password: NewPassword,
) -> Result<(), AppError> {
    let user = &caller.user;
    let mut conn = state.connection("db acquire").await?;
    let record = users::find_by_id(&mut conn, user.id)
        .await
        .map_err(|e| AppError::internal("find user", e))?;
    drop(conn);
    let stored = record.map(|r| r.password_hash);
    // Guessing the current password from a stolen session is held to the
    // same limit as guessing it at sign-in.
    let limiter = rate_limit::Limiter::new(state);
    let counters = limiter.password_change(user.id);
    if let Some(retry_after) = limiter.reserve(&counters).await? {
        return Err(AppError::RateLimited { retry_after });
    }
    let matches = match hashing::verify(current_password, stored).await {
        Ok(matches) => matches,
        Err(error) => {
            limiter.refund(&counters).await?;
            return Err(error.into());
        }
    };
    if !matches {
        return Err(AppError::validation(
            "current_password",
            "This is not your current password.",
        ));
    }
    limiter.succeeded(&counters).await?;
    let hash = hashing::hash(new_password.expose().to_string()).await?;
    let mut tx = state.begin("begin").await?;
    users::set_password_hash(&mut tx, user.id, &hash)
        .await
        .map_err(|e| AppError::internal("set password", e))?;
    let entry = caller
        .entry("user.change_own_password")
        .target("user", user.id)
        .change(None, Some(serde_json::json!({ "password": "changed" })));
    append_and_commit(tx, &state.audit_key, entry, "audit").await?;
    // Other sessions end; this one continues under a fresh id.
    let store = session_store::RedisSessionStore::new(state.redis.clone());
    store
        .end_all_of(user.id)
        .await
        .map_err(|e| AppError::internal("end sessions", e))?;
    start_session(state, user, &caller.client).await
}
