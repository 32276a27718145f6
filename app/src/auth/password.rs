//! Password rules, shared by the browser (hints) and the server (the decision).

use crate::error::AppError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Commonly used passwords long enough to pass the length rule; shorter ones
/// are refused by length already, so only these need listing.
const COMMON: &str = include_str!("common_passwords.txt");

/// A password that meets the rules. Only constructed through [`NewPassword::parse`].
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, candidate: String) -> Result<NewPassword, AppError> {
        let length = candidate.chars().count();
        if length < MIN_LEN {
            return Err(AppError::validation(
                field,
                format!("Use at least {MIN_LEN} characters."),
            ));
        }
        if length > MAX_LEN {
            return Err(AppError::validation(
                field,
                format!("Use at most {MAX_LEN} characters."),
            ));
        }
        let lowered = candidate.to_lowercase();
        if COMMON
            .lines()
            .map(str::trim)
            .any(|common| !common.is_empty() && common == lowered)
        {
            return Err(AppError::validation(
                field,
                "This password is too common; choose another.",
            ));
        }
        Ok(NewPassword(candidate))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<NewPassword, AppError>) -> String {
        match result {
            Err(AppError::Validation { message, .. }) => message,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(
            message(NewPassword::parse("password", "short".into())),
            "Use at least 12 characters."
        );
        assert!(NewPassword::parse("password", "ééééééééééé1".into()).is_ok());
        assert_eq!(
            message(NewPassword::parse("password", "x".repeat(129))),
            "Use at most 128 characters."
        );
        assert!(NewPassword::parse("password", "x7".repeat(64)).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(
            message(NewPassword::parse("password", "Password1234".into())),
            "This password is too common; choose another."
        );
        assert!(NewPassword::parse("password", "correct horse battery staple".into()).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = NewPassword::parse("password", "a-long-secret-value".into()).expect("valid");
        assert!(!format!("{password:?}").contains("secret"));
    }
}
