//! Identity: users, sign-in and sessions, and who may do what.
//!
//! `permissions` is the one permission table; `endpoints` maps every route
//! to the access it needs (enforced by the server's gate); `ssr` holds the
//! server side: sessions in Redis, password hashing, rate limits.

pub mod endpoints;
pub mod next;
pub mod password;
pub mod permissions;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use permissions::Role;

/// The signed-in user, as every page and server function sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Public: anyone may try to sign in (limited per email and address).
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<CurrentUser, AppError> {
    let user = crate::error::respond(ssr::sign_in::sign_in(email, password).await)?;
    leptos_axum::redirect(&crate::auth::next::safe_next(next.as_deref()));
    Ok(user)
}

#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::error::respond(ssr::sign_in::sign_out().await)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in on this request (nobody: `None`). Public: it only
/// tells the asker about themselves.
#[server(endpoint = "auth/whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    Ok(ssr::signed_in_user())
}

#[server(endpoint = "auth/change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    crate::error::respond(ssr::sign_in::change_own_password(current_password, new_password).await)
}

/// The signed-in user resource, provided once by the layout.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// The signed-in user, when known (read inside a `Suspense`/`Transition`).
pub fn use_current_user() -> Option<CurrentUser> {
    use_context::<UserResource>()
        .and_then(|resource| resource.get())
        .and_then(Result::ok)
        .flatten()
}
