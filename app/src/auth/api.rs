//! The identity server functions: signing in and out, who is signed in, and
//! changing one's own password. Bodies are in `ssr::sign_in`.
//!
//! Two are public and so do not open with `acting`: `sign_in` (anyone may
//! try; attempts are limited per email and per address, and audited) and
//! `whoami` (it only tells the asker about themselves).

use leptos::prelude::*;

use super::CurrentUser;
#[cfg(feature = "ssr")]
use super::ssr::{acting, client_info, sign_in as service};
#[cfg(feature = "ssr")]
use crate::auth::permissions::Permission;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Public: anyone may try to sign in (limited per email and address).
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<CurrentUser, AppError> {
    let state = app_state()?;
    let user = respond(service::sign_in(&state, email, password, client_info()).await)?;
    leptos_axum::redirect(&super::next::safe_next(next.as_deref()));
    Ok(user)
}

#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    // Every role may manage its own account: this is "anyone signed in".
    let caller = acting(Permission::ManageOwnAccount).await?;
    respond(service::sign_out(&app_state()?, &caller).await)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in on this request (nobody: `None`). Public: it only
/// tells the asker about themselves.
#[server(endpoint = "auth/whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    Ok(super::ssr::signed_in_user())
}

#[server(endpoint = "auth/change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let caller = acting(Permission::ManageOwnAccount).await?;
    let new_password = respond(super::password::NewPassword::parse("new_password", new_password))?;
    let changed = service::change_own_password(&app_state()?, &caller, current_password, new_password).await;
    respond(changed)
}
