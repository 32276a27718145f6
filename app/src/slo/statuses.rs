//! An availability SLO's chosen set of good statuses, as people write it:
//! statuses and ranges separated by commas ("200-399, 404").

use crate::error::AppError;

/// Most ranges a set may hold.
pub const MAX_RANGES: usize = 20;

/// `text` read into inclusive ranges of HTTP statuses (100–599), or a
/// message for the `good_statuses` field.
pub fn parse(text: &str) -> Result<Vec<(i16, i16)>, AppError> {
    let refuse = |message: String| AppError::validation("good_statuses", message);
    let parts: Vec<&str> = text.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(refuse("Name at least one status or range, e.g. 200-399, 404".into()));
    }
    if parts.len() > MAX_RANGES {
        return Err(refuse(format!("At most {MAX_RANGES} statuses or ranges")));
    }
    let status = |word: &str| -> Result<i16, AppError> {
        let shown: String = word.chars().take(20).collect();
        word.trim()
            .parse::<i16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| refuse(format!("{shown:?} is not an HTTP status (100 to 599)")))
    };
    parts
        .into_iter()
        .map(|part| match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (status(from)?, status(to)?);
                if from > to {
                    return Err(refuse(format!("{from}-{to}: a range runs from the lower status")));
                }
                Ok((from, to))
            }
            None => status(part).map(|s| (s, s)),
        })
        .collect()
}

/// The set as written back: "200-399, 404".
pub fn print(ranges: &[(i16, i16)]) -> String {
    ranges
        .iter()
        .map(|(from, to)| {
            if from == to {
                from.to_string()
            } else {
                format!("{from}-{to}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_ranges_read_and_print_back() {
        assert_eq!(parse("200-399, 404").expect("a set"), vec![(200, 399), (404, 404)]);
        assert_eq!(print(&parse(" 200 - 299 ,,429").expect("a set")), "200-299, 429");
    }

    #[test]
    fn what_is_not_a_status_set_is_refused_with_a_message() {
        for (text, says) in [
            ("", "at least one"),
            ("abc", "not an HTTP status"),
            ("99", "not an HTTP status"),
            ("600", "not an HTTP status"),
            ("399-200", "lower status"),
            ("</textarea><script>", "not an HTTP status"),
        ] {
            let Err(AppError::Validation { field, message }) = parse(text) else {
                panic!("{text:?} was accepted");
            };
            assert_eq!(field, "good_statuses");
            assert!(message.contains(says), "{text:?}: {message}");
        }
    }
}
