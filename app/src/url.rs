//! Building (and reading back) the query strings of the app's own links
//! (filters, paging, live).

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (anything else, including a stray `%`, stays as
/// it is; invalid UTF-8 becomes U+FFFD).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `name=value&…` back into pairs, both sides decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// Where a plain (no-JavaScript) form post that was refused goes back to:
/// `path` with the form's fields as typed (`query`) and the refused field
/// and its message (`error_field`, `error`), which the page shows beside it.
pub fn with_field_error(path: &str, query: &str, field: &str, message: &str) -> String {
    format!(
        "{path}?{query}&error_field={}&error={}",
        percent_encode(field),
        percent_encode(message)
    )
}

/// [`with_field_error`] for every refused field at once (`field` `""`: the
/// form as a whole); `components::form::errors_from_query` reads them back.
pub fn with_field_errors(path: &str, query: &str, errors: &[(String, String)]) -> String {
    let mut url = format!("{path}?{query}");
    for (field, message) in errors {
        url.push_str(&format!(
            "&error_field={}&error={}",
            percent_encode(field),
            percent_encode(message)
        ));
    }
    url
}

/// The value of an optional form field, trimmed; `None` when blank.
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `name=value&…` for the pairs whose value is present and not blank.
pub fn query_string(pairs: &[(&str, &Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(name, value)| present(value).map(|value| format!("{name}={}", percent_encode(value))))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters_and_skips_blank_values() {
        assert_eq!(percent_encode("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
        let q = Some(" 50% off ".to_string());
        assert_eq!(
            query_string(&[("q", &q), ("empty", &Some("  ".into())), ("none", &None)]),
            "q=50%25%20off"
        );
    }

    #[test]
    fn decoding_undoes_encoding() {
        let text = "a b/c?d=é&50% off";
        assert_eq!(percent_decode(&percent_encode(text)), text);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(
            query_pairs("rule%5Bname%5D=Slow%20cart&empty="),
            vec![
                ("rule[name]".to_string(), "Slow cart".to_string()),
                ("empty".to_string(), String::new())
            ]
        );
    }
}
