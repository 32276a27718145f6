//! Where sign-in sends the browser next (`/login?next=…`).
//!
//! `next` comes from the address bar, so it is hostile until shown otherwise:
//! browsers read `/\host`, `/<TAB>/host` and `/%2F/host` as another site, and
//! a control character in a `Location` header is refused by `http` (leptos
//! panics on it). Only a same-site absolute path survives; anything else
//! goes to `/`.

/// A same-site path to return to after sign-in; anything else is `/`.
///
/// The answer always starts with one `/` (never `//` or `/\`), holds only
/// visible ASCII (non-ASCII is percent-encoded), and so is always a valid
/// `Location` header value.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_same_site_path(path) => ascii_only(path),
        _ => "/".to_string(),
    }
}

fn is_same_site_path(path: &str) -> bool {
    // Decode until nothing changes (bounded), so `%252F` cannot hide a `/`
    // from this check and reappear after someone else decodes once more.
    let mut decoded = path.to_string();
    for _ in 0..4 {
        let next = crate::url::percent_decode(&decoded);
        if next == decoded {
            break;
        }
        decoded = next;
    }
    if decoded.contains('%') && crate::url::percent_decode(&decoded) != decoded {
        return false;
    }
    let path_part = decoded.split(['?', '#']).next().unwrap_or_default();
    [path, decoded.as_str()].iter().all(|text| !text.chars().any(char::is_control))
        && path.starts_with('/')
        && decoded.starts_with('/')
        && !decoded.contains('\\')
        && !path_part.contains("//")
        && !path_part.split('/').any(|segment| segment == "." || segment == "..")
        // Back to the sign-in page would loop.
        && !path_part.starts_with("/login")
}

/// `path` with every byte outside visible ASCII percent-encoded.
fn ascii_only(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use proptest::prelude::*;

    #[test]
    fn same_site_paths_are_kept() {
        assert_eq!(safe_next(Some("/audit?actor=a")), "/audit?actor=a");
        assert_eq!(safe_next(Some("/alerts/rules/7")), "/alerts/rules/7");
        assert_eq!(
            safe_next(Some("/logs?q=a%20b&url=http://x/y")),
            "/logs?q=a%20b&url=http://x/y",
            "a `//` in the query is not an authority"
        );
        assert_eq!(safe_next(Some("/users?q=é")), "/users?q=%C3%A9");
        // Browsers drop tabs and newlines anywhere in a URL, but not spaces.
        assert_eq!(safe_next(Some("/ /evil.example")), "/%20/evil.example");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_home() {
        for hostile in [
            "https://evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "/login?next=/x",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%252F/evil.example",
            "/%5Cevil.example",
            "/\r\nSet-Cookie: x=1",
            "/%0d%0aSet-Cookie: x=1",
            "/x\0",
            "/%00",
            "/a/..//evil.example",
            "/./evil.example",
            "/%2e%2e/x",
            "",
            "evil.example",
            "%2F%2Fevil.example",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_input_gives_a_same_site_header_value(input in any::<String>()) {
            check(&input)?;
        }

        #[test]
        fn path_like_input_gives_a_same_site_header_value(
            input in "/[/\\\\%0-9a-fA-F\t\r\n\0 .?#a-z:]{0,24}"
        ) {
            check(&input)?;
        }
    }

    fn check(input: &str) -> Result<(), TestCaseError> {
        let next = safe_next(Some(input));
        prop_assert!(next.starts_with('/'), "{next:?}");
        prop_assert!(!next.starts_with("//") && !next.starts_with("/\\"), "{next:?}");
        prop_assert!(!next.chars().any(char::is_control), "{next:?}");
        prop_assert!(next.bytes().all(|b| b.is_ascii_graphic()), "{next:?}");
        #[cfg(feature = "ssr")]
        prop_assert!(http::HeaderValue::from_str(&next).is_ok(), "{next:?}");
        // What a browser would make of it once decoded must still be ours.
        let decoded = crate::url::percent_decode(&next);
        prop_assert!(!decoded.starts_with("//") && !decoded.starts_with("/\\"), "{decoded:?}");
        Ok(())
    }
}
