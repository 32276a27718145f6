//! User accounts: the types the pages show and, under `ssr`, their queries.

use serde::{Deserialize, Serialize};

use crate::auth::permissions::Role;

#[cfg(feature = "ssr")]
pub mod ssr;

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
            Err(crate::error::AppError::validation(field, "Enter an email address like name@example.com."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_checked() {
        assert_eq!(Email::parse("email", "  Ada@Example.com ").map(|e| e.as_str().to_string()), Ok("Ada@Example.com".to_string()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@.com"] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?} refused");
        }
    }
}
