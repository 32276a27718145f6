//! Server-side identity: who is asking (set by the gate), permission checks
//! with their audit entries, sign-in and sign-out.

pub mod hashing;
pub mod rate_limit;
pub mod session_store;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;
use tower_sessions::Session;

use super::CurrentUser;
use super::permissions::{Permission, allows};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append};
use crate::error::AppError;
use crate::state::{AppState, app_state};
use crate::users::ssr as users;

/// Session keys.
pub const USER_ID: &str = "user_id";
pub const SIGNED_IN_AT: &str = "signed_in_at";
pub const CLIENT_IP: &str = "client_ip";
pub const USER_AGENT: &str = "user_agent";

/// Sign-in and session limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct AuthSettings {
    pub max_failures_per_email: u32,
    pub max_failures_per_ip: u32,
    pub failure_window_secs: u64,
    pub idle_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
}

impl Actor {
    pub fn user(user: &CurrentUser) -> Actor {
        Actor {
            id: Some(user.id),
            email: Some(user.email.clone()),
            role: Some(user.role),
        }
    }
}

/// Client address, user agent and request id of a request.
pub fn client_info_from(parts: &Parts) -> ClientInfo {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    ClientInfo {
        ip: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string()),
        user_agent: header("user-agent"),
        request_id: header("x-request-id"),
    }
}

/// The client of the request this server function is answering.
pub fn client_info() -> ClientInfo {
    use_context::<Parts>()
        .map(|parts| client_info_from(&parts))
        .unwrap_or_default()
}

/// The signed-in user the gate attached to this request, if any.
pub fn signed_in_user() -> Option<CurrentUser> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
}

/// The signed-in user, or `Unauthorized`.
pub fn current_user() -> Result<CurrentUser, AppError> {
    signed_in_user().ok_or(AppError::Unauthorized)
}

/// The caller, who must have `permission` (see [`require`]), as the actor
/// and client of an audit entry.
pub async fn acting(permission: Permission) -> Result<crate::users::ssr::manage::Admin, AppError> {
    let user = require(permission).await?;
    Ok(crate::users::ssr::manage::Admin {
        actor: Actor::user(&user),
        client: client_info(),
    })
}

/// The signed-in user if their role allows `permission`; otherwise records
/// the refusal in the audit log and answers `Forbidden` (or `Unauthorized`).
pub async fn require(permission: Permission) -> Result<CurrentUser, AppError> {
    let user = current_user()?;
    if allows(user.role, permission) {
        return Ok(user);
    }
    let state = app_state()?;
    let path = use_context::<Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    record_denial(&state, Some(&user), &path, client_info()).await;
    Err(AppError::Forbidden)
}

/// Audits a refused request, counted per distinct refusal and window
/// (`crate::audit::ssr::refusals`); `TooMany` asks the caller to answer 429.
/// Failing to write is logged; the request stays refused either way.
pub async fn record_denial(
    state: &AppState,
    user: Option<&CurrentUser>,
    path: &str,
    client: ClientInfo,
) -> crate::audit::ssr::refusals::Verdict {
    let actor = user.map(Actor::user).unwrap_or_default();
    let entry = NewAuditEntry::new(actor, "access.denied", Outcome::Denied, client).target("path", path);
    crate::audit::ssr::refusals::record(state, entry).await
}

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
    let age = chrono::Utc::now().timestamp() - signed_in_at.unwrap_or(0);
    let expired = u64::try_from(age).map_or(true, |age| age > state.auth.absolute_timeout_secs);
    let mut conn = state
        .db
        .acquire()
        .await
        .map_err(|e| AppError::internal("db acquire", e))?;
    let user = users::find_by_id(&mut conn, user_id)
        .await
        .map_err(|e| AppError::internal("load session user", e))?;
    match user {
        Some(record) if !expired && !record.summary.disabled => Ok(Some(CurrentUser {
            id: record.summary.id,
            email: record.summary.email,
            display_name: record.summary.display_name,
            role: record.summary.role,
        })),
        _ => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

/// Email and password sign-in. The same message answers an unknown email,
/// a wrong password and a disabled account.
pub async fn sign_in(email: String, password: String) -> Result<CurrentUser, AppError> {
    let state = app_state()?;
    let client = client_info();
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
    let limiter = rate_limit::Limiter::new(&state);
    let counters = limiter.sign_in(&email, client.ip.as_deref());
    if let Some(retry_after) = limiter.reserve(&counters).await? {
        audit_alone(&state, audit(Outcome::Denied, "temporarily locked")).await?;
        return Err(AppError::RateLimited { retry_after });
    }

    let mut conn = state
        .db
        .acquire()
        .await
        .map_err(|e| AppError::internal("db acquire", e))?;
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
            audit_alone(&state, audit(Outcome::Failure, reason)).await?;
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
    start_session(&state, &user, &client).await?;

    let mut tx = state.db.begin().await.map_err(|e| AppError::internal("begin", e))?;
    users::record_sign_in(&mut tx, user.id)
        .await
        .map_err(|e| AppError::internal("record sign-in", e))?;
    let entry =
        NewAuditEntry::new(Actor::user(&user), "auth.sign_in", Outcome::Success, client).target("user", user.id);
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(|e| AppError::internal("audit sign-in", e))?;
    tx.commit().await.map_err(|e| AppError::internal("commit sign-in", e))?;
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
pub async fn sign_out() -> Result<(), AppError> {
    let state = app_state()?;
    let user = current_user()?;
    let session: Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("session extract", e))?;
    if let Some(id) = session.id() {
        let store = session_store::RedisSessionStore::new(state.redis.clone());
        store
            .unindex(user.id, &id)
            .await
            .map_err(|e| AppError::internal("unindex session", e))?;
    }
    session
        .flush()
        .await
        .map_err(|e| AppError::internal("end session", e))?;
    let entry = NewAuditEntry::new(Actor::user(&user), "auth.sign_out", Outcome::Success, client_info())
        .target("user", user.id);
    audit_alone(&state, entry).await
}

/// Appends an entry that records no other change (sign-in attempts, denials).
pub async fn audit_alone(state: &AppState, entry: NewAuditEntry) -> Result<(), AppError> {
    let mut tx = state.db.begin().await.map_err(|e| AppError::internal("begin", e))?;
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(|e| AppError::internal("audit", e))?;
    tx.commit().await.map_err(|e| AppError::internal("commit audit", e))
}

/// Changes the signed-in user's own password (the current one is required),
/// then ends their other sessions.
pub async fn change_own_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let user = require(Permission::ManageOwnAccount).await?;
    let state = app_state()?;
    let new_password = super::password::NewPassword::parse("new_password", new_password)?;
    let mut conn = state
        .db
        .acquire()
        .await
        .map_err(|e| AppError::internal("db acquire", e))?;
    let record = users::find_by_id(&mut conn, user.id)
        .await
        .map_err(|e| AppError::internal("find user", e))?;
    drop(conn);
    let stored = record.map(|r| r.password_hash);
    // Guessing the current password from a stolen session is held to the
    // same limit as guessing it at sign-in.
    let limiter = rate_limit::Limiter::new(&state);
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
    let mut tx = state.db.begin().await.map_err(|e| AppError::internal("begin", e))?;
    users::set_password_hash(&mut tx, user.id, &hash)
        .await
        .map_err(|e| AppError::internal("set password", e))?;
    let entry = NewAuditEntry::new(
        Actor::user(&user),
        "user.change_own_password",
        Outcome::Success,
        client_info(),
    )
    .target("user", user.id)
    .change(None, Some(serde_json::json!({ "password": "changed" })));
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(|e| AppError::internal("audit", e))?;
    tx.commit().await.map_err(|e| AppError::internal("commit", e))?;
    // Other sessions end; this one continues under a fresh id.
    let store = session_store::RedisSessionStore::new(state.redis.clone());
    store
        .end_all_of(user.id)
        .await
        .map_err(|e| AppError::internal("end sessions", e))?;
    start_session(&state, &user, &client_info()).await
}
