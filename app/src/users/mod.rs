//! User accounts: the types the pages show, the Users page's server
//! functions (admins only) and, under `ssr`, their queries.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::permissions::Role;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;

/// Users per page of the list.
pub const PAGE_SIZE: i64 = 50;

/// An account as the console shows it (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_sign_in_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An email address, trimmed and checked for shape; compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, crate::error::AppError> {
        let email = raw.trim();
        let valid_shape = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid_shape {
            Ok(Email(email.to_string()))
        } else {
            Err(crate::error::AppError::validation(
                field,
                "Enter an email address like name@example.com.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of the Users list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListing {
    pub users: Vec<UserSummary>,
    /// The search as applied (trimmed).
    pub query: String,
    /// Zero-based page number.
    pub page: u32,
    pub has_more: bool,
    /// The admin looking at the list.
    pub viewer_id: i64,
}

/// A live session of a user. `handle` names it without revealing its id
/// (the id is a credential and never leaves the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub handle: String,
    pub signed_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The session making this request.
    pub current: bool,
}

/// The result of a password reset: the generated password, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordReset {
    pub user: UserSummary,
    pub generated_password: Option<String>,
}

/// Users whose email or name contains `q`, by email, 50 a page.
#[server(endpoint = "users/list")]
pub async fn list_users(#[server(default)] q: String, #[server(default)] page: u32) -> Result<UserListing, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            let state = crate::state::app_state()?;
            ssr::manage::list(&state, admin.id(), &q, page).await
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
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            let new = ssr::NewUser::parse(&email, &display_name, &role, password)?;
            ssr::create_user(&crate::state::app_state()?, admin.actor, admin.client, new).await
        }
        .await,
    )
}

/// Changes a user's role and ends their sessions.
#[server(endpoint = "users/set-role")]
pub async fn set_user_role(user_id: i64, role: String) -> Result<UserSummary, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::validation("role", "Choose one of admin, operator, support, manager, viewer.")
            })?;
            ssr::manage::change_role(&crate::state::app_state()?, &admin, user_id, role).await
        }
        .await,
    )
}

/// Disables (ending their sessions) or enables a user.
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<UserSummary, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            ssr::manage::change_disabled(&crate::state::app_state()?, &admin, user_id, disabled).await
        }
        .await,
    )
}

/// Sets a new password (generated when `password` is empty) and ends the user's sessions.
#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(user_id: i64, #[server(default)] password: String) -> Result<PasswordReset, AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            let password = if password.is_empty() {
                // A plain form post (no JavaScript) is answered with a redirect,
                // which cannot carry a generated password to show.
                if crate::error::is_plain_form_post() {
                    let message = "Without JavaScript, type the new password: a generated one could not be shown.";
                    return Err(AppError::validation("password", message));
                }
                None
            } else {
                Some(crate::auth::password::NewPassword::parse("password", password)?)
            };
            ssr::manage::reset_password(&crate::state::app_state()?, &admin, user_id, password).await
        }
        .await,
    )
}

/// The user's live sessions, newest first.
#[server(endpoint = "users/sessions")]
pub async fn list_user_sessions(user_id: i64) -> Result<Vec<ActiveSession>, AppError> {
    crate::error::respond(
        async move {
            acting(Permission::ManageUsers).await?;
            let current = match leptos_axum::extract::<tower_sessions::Session>().await {
                Ok(session) => session.id().map(|id| id.to_string()),
                Err(_) => None,
            };
            ssr::sessions::list(&crate::state::app_state()?, user_id, current).await
        }
        .await,
    )
}

/// Ends one session of a user (named by its handle).
#[server(endpoint = "users/end-session")]
pub async fn end_user_session(user_id: i64, session: String) -> Result<(), AppError> {
    crate::error::respond(
        async move {
            let admin = acting(Permission::ManageUsers).await?;
            ssr::manage::end_session(&crate::state::app_state()?, &admin, user_id, session.trim()).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_checked() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.com ").map(|e| e.as_str().to_string()),
            Ok("Ada@Example.com".to_string())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?} refused");
        }
    }
}
