//! User accounts: the types the pages show and their parsers. The Users
//! page's server functions (admins only) are in `api` (re-exported here),
//! their services and queries under `ssr`.

use serde::{Deserialize, Serialize};

use crate::auth::permissions::Role;
use crate::error::AppError;

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use api::*;

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
    pub fn parse(field: &str, raw: &str) -> Result<Email, AppError> {
        let email = raw.trim();
        let valid_shape = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid_shape {
            Ok(Email(email.to_string()))
        } else {
            Err(AppError::validation(
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

/// A role name from a form, or the field error naming the five roles.
pub fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role)
        .ok_or_else(|| AppError::validation("role", "Choose one of admin, operator, support, manager, viewer."))
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
