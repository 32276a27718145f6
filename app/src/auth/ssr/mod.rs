//! Server-side identity: who is asking (set by the gate) and the one
//! permission check every server function starts with, [`acting`].
//!
//! Sign-in, sign-out and password changes are in `sign_in`; sessions in
//! Redis in `session_store`, password hashing in `hashing`, the sign-in
//! limits in `rate_limit`.

pub mod hashing;
pub mod rate_limit;
pub mod session_store;
pub mod sign_in;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;

use super::CurrentUser;
use super::permissions::{Permission, Role, allows};
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, Audited, ClientInfo, NewAuditEntry};
use crate::error::AppError;
use crate::state::{AppState, app_state};

pub use super::settings::AuthSettings;

/// Session keys.
pub const USER_ID: &str = "user_id";
pub const SIGNED_IN_AT: &str = "signed_in_at";
pub const CLIENT_IP: &str = "client_ip";
pub const USER_AGENT: &str = "user_agent";
/// When the session's idle expiry was last moved forward (`sign_in::keep_alive`).
pub const SEEN_AT: &str = "seen_at";

/// Who acts on this request and from where: the signed-in user (id, email,
/// name, role), the same person as the audit log names them, and their
/// client (address, user agent, request id).
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: CurrentUser,
    pub actor: Actor,
    pub client: ClientInfo,
}

impl Caller {
    pub fn new(user: CurrentUser, client: ClientInfo) -> Caller {
        Caller {
            actor: Actor::user(&user),
            user,
            client,
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether this caller's role also allows `permission` (what a page may offer).
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.user.role, permission)
    }

    /// The audit entry of a successful `action` by this caller.
    pub fn entry(&self, action: &str) -> NewAuditEntry {
        NewAuditEntry::new(self.actor.clone(), action, Outcome::Success, self.client.clone())
    }

    /// A change by this caller, begun in a transaction of its own (a failure
    /// to begin is logged with `context`).
    pub async fn audited(&self, state: &AppState, context: &'static str) -> Result<Audited, AppError> {
        Audited::begin(state, self.actor.clone(), self.client.clone(), context).await
    }
}

/// The one authorisation call every server function starts with: the
/// signed-in caller if their role allows `permission`. Nobody signed in is
/// `Unauthorized`; a refusal is recorded in the audit log and answered
/// `Forbidden`.
///
/// A refusal already carries its HTTP status (through `error::respond`), so
/// a server function may open with `let caller = acting(…).await?;`.
///
/// Public server functions (sign-in, `whoami`, the theme) do not call it and
/// say so in their documentation.
pub async fn acting(permission: Permission) -> Result<Caller, AppError> {
    crate::error::respond(authorise(permission).await)
}

async fn authorise(permission: Permission) -> Result<Caller, AppError> {
    let user = signed_in_user().ok_or(AppError::Unauthorized)?;
    if !allows(user.role, permission) {
        let state = app_state()?;
        let path = use_context::<Parts>()
            .map(|parts| parts.uri.path().to_string())
            .unwrap_or_default();
        record_denial(&state, Some(&user), &path, client_info()).await;
        return Err(AppError::Forbidden);
    }
    Ok(Caller::new(user, client_info()))
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

/// The client of the request this server function is answering (for the
/// public server functions, which have no [`Caller`]).
pub fn client_info() -> ClientInfo {
    use_context::<Parts>()
        .map(|parts| client_info_from(&parts))
        .unwrap_or_default()
}

/// The signed-in user the gate attached to this request, if any (for the
/// public `whoami`; everything else asks [`acting`]).
pub fn signed_in_user() -> Option<CurrentUser> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
}

/// Audits a refused request, counted per distinct refusal and window
/// (`crate::audit::ssr::refusals`); `TooMany` asks the caller to answer 429.
/// Failing to write is logged; the request stays refused either way.
/// Counts a page asked for without a session (answered with the sign-in
/// redirect) as a refusal of its address, without a target: one audit entry
/// per address per window with how many there were, so a scan of pages
/// shows in the log without an entry per request.
pub async fn record_sign_in_redirect(state: &AppState, client: ClientInfo) -> crate::audit::ssr::refusals::Verdict {
    let entry = NewAuditEntry::new(Actor::default(), "access.sign_in_required", Outcome::Denied, client);
    crate::audit::ssr::refusals::record(state, entry).await
}

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
