//! The texts the settings' fields take: whole numbers within bounds,
//! percentages, lists of keys.

/// A whole number within `min..=max`.
pub fn whole(text: &str, min: u64, max: u64, unit: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(format!("Enter between {min} and {max} {unit}.")),
        Err(_) => Err(format!("Enter a whole number of {unit}, such as {}.", min.max(1) * 10)),
    }
}

/// A percentage above 0 and at most 100 (a trailing `%` is allowed), as a rate (0–1).
pub fn percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p <= 100.0 => Ok(p / 100.0),
        Ok(_) => Err("Enter a percentage above 0 and at most 100.".into()),
        Err(_) => Err("Enter a percentage such as 5 or 2.5.".into()),
    }
}

/// Keys separated by commas or lines, trimmed, empty ones left out.
pub fn keys(text: &str) -> Result<Vec<String>, String> {
    let keys: Vec<String> = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = keys
        .iter()
        .find(|k| k.chars().count() > 100 || k.chars().any(char::is_control))
    {
        return Err(format!(
            "“{}” is not a key: at most 100 characters, no control characters.",
            bad.chars().take(40).collect::<String>()
        ));
    }
    if keys.len() > 100 {
        return Err("At most 100 keys.".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_parse_or_say_why_not() {
        assert_eq!(percent("2.5 %"), Ok(0.025));
        assert!(percent("0").is_err());
        assert_eq!(whole(" 12 ", 1, 20, "days"), Ok(12));
        assert_eq!(keys("a, b\nc,,"), Ok(vec!["a".into(), "b".into(), "c".into()]));
    }
}
