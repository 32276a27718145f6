//! Merging issues and unmerging a hash: what the forms post, parsed the
//! same way on both sides. The work is in `ssr::merge` and `ssr::unmerge`.

use crate::error::AppError;

/// At most this many issues merge at once.
pub const MAX_MERGED: usize = 100;

/// An issue number as typed: `12` or `#12`.
pub fn issue_number(field: &str, text: &str) -> Result<i64, AppError> {
    let digits = text.trim().trim_start_matches('#');
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::validation(field, "Give an issue's number, like 12"))
}

/// Issue numbers separated by commas or spaces, each once, none of them
/// `into` (the issue they merge into).
pub fn issue_numbers(text: &str, into: i64) -> Result<Vec<i64>, AppError> {
    let mut numbers = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let number = issue_number("issues", part)?;
        if number == into {
            return Err(AppError::validation("into", "An issue cannot be merged into itself"));
        }
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    if numbers.is_empty() {
        return Err(AppError::validation("issues", "Name at least one issue to merge"));
    }
    if numbers.len() > MAX_MERGED {
        return Err(AppError::validation(
            "issues",
            format!("Merge at most {MAX_MERGED} issues at once"),
        ));
    }
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<Vec<i64>, AppError>) -> String {
        match result {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn issue_numbers_parse_and_name_their_problem() {
        assert_eq!(issue_numbers("3, #5 3  7", 1).expect("valid"), vec![3, 5, 7]);
        assert_eq!(issue_number("into", " #12 ").expect("valid"), 12);
        assert_eq!(field_of(issue_numbers("", 1)), "issues");
        assert_eq!(field_of(issue_numbers("3, x", 1)), "issues");
        assert_eq!(field_of(issue_numbers("0", 1)), "issues");
        assert_eq!(field_of(issue_numbers("4, 1", 1)), "into");
        let many: Vec<String> = (2..=102).map(|n| n.to_string()).collect();
        assert_eq!(field_of(issue_numbers(&many.join(","), 1)), "issues");
        assert!(issue_number("into", "-3").is_err());
    }
}
