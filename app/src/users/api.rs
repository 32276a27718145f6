//! The Users page's server functions (admins only: `ManageUsers`). Each
//! authorises, parses, then calls `ssr`.

use leptos::prelude::*;

use super::{ActiveSession, PasswordReset, UserListing, UserSummary};
#[cfg(feature = "ssr")]
use super::{parse_role, ssr};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Users whose email or name contains `q`, by email, 50 a page.
#[server(endpoint = "users/list")]
pub async fn list_users(#[server(default)] q: String, #[server(default)] page: u32) -> Result<UserListing, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            ssr::manage::list(&app_state()?, caller.id(), &q, page).await
        }
        .await,
    )
}

#[server(endpoint = "users/create")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<UserSummary, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            let new = ssr::NewUser::parse(&email, &display_name, &role, password)?;
            ssr::create_user(&app_state()?, caller.actor, caller.client, new).await
        }
        .await,
    )
}

/// Changes a user's role and ends their sessions.
#[server(endpoint = "users/set-role")]
pub async fn set_user_role(user_id: i64, role: String) -> Result<UserSummary, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            let role = parse_role(&role)?;
            ssr::manage::change_role(&app_state()?, &caller, user_id, role).await
        }
        .await,
    )
}

/// Disables (ending their sessions) or enables a user.
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<UserSummary, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            ssr::manage::change_disabled(&app_state()?, &caller, user_id, disabled).await
        }
        .await,
    )
}

/// Sets a new password (generated when `password` is empty) and ends the user's sessions.
#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(user_id: i64, #[server(default)] password: String) -> Result<PasswordReset, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            let password = ssr::manage::reset_password_choice(password)?;
            ssr::manage::reset_password(&app_state()?, &caller, user_id, password).await
        }
        .await,
    )
}

/// The user's live sessions, newest first.
#[server(endpoint = "users/sessions")]
pub async fn list_user_sessions(user_id: i64) -> Result<Vec<ActiveSession>, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ManageUsers).await?;
            let current = ssr::sessions::current_session_id().await;
            ssr::sessions::list(&app_state()?, user_id, current).await
        }
        .await,
    )
}

/// Ends one session of a user (named by its handle).
#[server(endpoint = "users/end-session")]
pub async fn end_user_session(user_id: i64, session: String) -> Result<(), AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageUsers).await?;
            ssr::manage::end_session(&app_state()?, &caller, user_id, session.trim()).await
        }
        .await,
    )
}
