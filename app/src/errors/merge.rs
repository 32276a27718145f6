//! Merging issues and unmerging a hash: what the forms post, parsed the
//! same way on both sides. The work is in `ssr::merge` and `ssr::unmerge`.

use super::states::parse_ids;
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

/// The target and the others of a merge of the issues ticked on the Errors
/// page (`ids`, the form's `issue_ids[]`): the issue numbered `into` when
/// one is typed (ticked or not), else the ticked one with the lowest number
/// — the oldest.
pub fn ticked_merge(ids: Option<&[String]>, into: Option<&str>) -> Result<(i64, Vec<i64>), AppError> {
    let ids = parse_ids(ids)?;
    let into = match into.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => issue_number("into", text)?,
        None => ids.first().copied().unwrap_or_default(),
    };
    let others: Vec<i64> = ids.into_iter().filter(|id| *id != into).collect();
    if others.is_empty() {
        return Err(AppError::validation(
            "issue_ids",
            "Tick at least two issues to merge (or one, and the number of the issue it joins)",
        ));
    }
    if others.len() > MAX_MERGED {
        return Err(AppError::validation(
            "issue_ids",
            format!("Merge at most {MAX_MERGED} issues at once"),
        ));
    }
    Ok((into, others))
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

    #[test]
    fn ticked_issues_merge_into_the_oldest_or_the_one_named() {
        let ticked = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
        let ids = ticked(&["9", "4", "7"]);
        assert_eq!(ticked_merge(Some(&ids), None).expect("valid"), (4, vec![7, 9]));
        assert_eq!(ticked_merge(Some(&ids), Some("  ")).expect("valid"), (4, vec![7, 9]));
        assert_eq!(ticked_merge(Some(&ids), Some("#7")).expect("valid"), (7, vec![4, 9]));
        assert_eq!(ticked_merge(Some(&ids), Some("2")).expect("valid"), (2, vec![4, 7, 9]));
        assert_eq!(
            ticked_merge(Some(&ticked(&["5"])), Some("3")).expect("valid"),
            (3, vec![5])
        );
        let refused = |ids: Option<&[String]>, into: Option<&str>| match ticked_merge(ids, into) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(refused(None, None), "issue_ids");
        assert_eq!(refused(Some(&ticked(&["5"])), None), "issue_ids");
        assert_eq!(refused(Some(&ticked(&["5", "5"])), Some("5")), "issue_ids");
        assert_eq!(refused(Some(&ids), Some("seven")), "into");
        assert_eq!(refused(Some(&ticked(&["5", "x"])), None), "issue_ids");
    }
}
