//! The normalisation grouping applies, so that two occurrences of one bug
//! group together although their messages and stacks differ in details:
//!
//! - [`value`] (exception values and messages): emails, UUIDs, hex numbers,
//!   quoted strings and numbers become `<email>`, `<uuid>`, `<hex>`,
//!   `<str>` and `<num>`, in that order of precedence;
//! - [`function`] (a frame's function): no addresses, no generated names
//!   (Rust's `::h<hash>` suffix and `{{closure}}`, Java's `lambda$x$0` and
//!   `$$Lambda$12/0x…`, anonymous markers), no line or column numbers;
//! - [`module`] (a frame's module, or its file when it has none): no
//!   directories, query strings, line numbers or content hashes.
//!
//! Changing any rule changes hashes: bump `grouping::VERSION` with it.

/// An exception's value or a message with its variable parts replaced.
pub fn value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '\'' | '"' | '`')
            && let Some(end) = chars[i + 1..].iter().position(|&q| q == c)
        {
            out.push_str("<str>");
            i += end + 2;
            continue;
        }
        if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push_str(&word_placeholder(&word));
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+' | '%')
}

/// One word of a value: the placeholder it stands for, or itself with its
/// digit runs replaced.
fn word_placeholder(word: &str) -> String {
    let trimmed = word.trim_end_matches('.');
    let tail = &word[trimmed.len()..];
    let replaced = if is_email(trimmed) {
        "<email>".to_string()
    } else if is_uuid(trimmed) {
        "<uuid>".to_string()
    } else if is_hex(trimmed) {
        "<hex>".to_string()
    } else if is_number(trimmed) {
        "<num>".to_string()
    } else {
        digits_replaced(trimmed)
    };
    format!("{replaced}{tail}")
}

fn is_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@')
}

fn is_uuid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `0x…`, or a run of at least 8 hex digits mixing digits and letters (a
/// hash or an id; not a word like `deadbeef`, nor a plain number).
fn is_hex(word: &str) -> bool {
    if let Some(rest) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        return !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit());
    }
    word.len() >= 8
        && word.bytes().all(|b| b.is_ascii_hexdigit())
        && word.bytes().any(|b| b.is_ascii_digit())
        && !word.bytes().all(|b| b.is_ascii_digit())
}

fn is_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['-', '+']).unwrap_or(word);
    !unsigned.is_empty()
        && unsigned.bytes().any(|b| b.is_ascii_digit())
        && unsigned.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_'))
}

fn digits_replaced(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut in_digits = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push_str("<num>");
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// A frame's function without generated parts.
pub fn function(name: &str) -> String {
    let mut name = name.trim().to_string();
    // Rust's legacy mangling suffix `::h0123456789abcdef`.
    if let Some(at) = name.rfind("::h") {
        let hash = &name[at + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            name.truncate(at);
        }
    }
    let parts: Vec<String> = name
        .split("::")
        .filter(|part| !part.is_empty() && *part != "{{closure}}")
        .map(|part| {
            let part = part.split('$').next().unwrap_or(part);
            // `Object.<anonymous>`, `<lambda>`: the generated marker goes.
            let part = part.split(".<").next().unwrap_or(part);
            let part = part.split(" (").next().unwrap_or(part);
            without_addresses(part)
        })
        .filter(|part| !part.is_empty() && part != "lambda" && !part.starts_with('<'))
        .collect();
    parts.join("::")
}

fn without_addresses(text: &str) -> String {
    text.split(['+', '@'])
        .next()
        .unwrap_or(text)
        .split_whitespace()
        .filter(|word| !is_hex(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A frame's module, or its file's name when it has no module.
pub fn module(module: Option<&str>, filename: Option<&str>) -> String {
    if let Some(module) = module.map(str::trim).filter(|m| !m.is_empty()) {
        return strip_location(module);
    }
    let file = filename.unwrap_or_default().trim();
    let file = file.split(['?', '#']).next().unwrap_or(file);
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let base = strip_location(base);
    // `main.3f2a9c1d.js` → `main.js`: bundlers' content hashes change per build.
    base.split('.')
        .filter(|part| !(part.len() >= 6 && part.bytes().all(|b| b.is_ascii_hexdigit())))
        .collect::<Vec<_>>()
        .join(".")
}

/// `file.js:12:5` → `file.js`.
fn strip_location(text: &str) -> String {
    let mut text = text;
    while let Some((head, tail)) = text.rsplit_once(':') {
        if tail.is_empty() || !tail.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        text = head;
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lose_their_variable_parts() {
        let cases = [
            ("user 42 not found", "user <num> not found"),
            ("order 1.5 and -3", "order <num> and <num>"),
            ("id 123.", "id <num>."),
            ("for ann@example.com", "for <email>"),
            ("row 0b7e0d3c-84b1-4f5e-9a5c-2f6d0a1b2c3d gone", "row <uuid> gone"),
            ("at 0x7ffd5e8c", "at <hex>"),
            ("hash 9f86d081884c7d65", "hash <hex>"),
            ("key 'abc' and \"x y\" and `z`", "key <str> and <str> and <str>"),
            ("user42 retry", "user<num> retry"),
            ("unclosed 'quote", "unclosed 'quote"),
            ("deadbeef", "deadbeef"),
            ("at 1700000000", "at <num>"),
            (
                "Cannot read properties of undefined",
                "Cannot read properties of undefined",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(value(input), expected, "{input}");
        }
    }

    #[test]
    fn the_same_bug_with_other_ids_normalises_alike() {
        assert_eq!(
            value("Timeout after 3000 ms for job 5f0c1e2a9b8d7c6e"),
            value("Timeout after 250 ms for job 0a1b2c3d4e5f6a7b")
        );
    }

    #[test]
    fn functions_lose_generated_names_and_addresses() {
        let cases = [
            ("app::handler::h0123456789abcdef", "app::handler"),
            ("app::run::{{closure}}", "app::run"),
            ("lambda$main$0", ""),
            ("Main.run$$Lambda$12/0x0000000800c0", "Main.run"),
            ("Object.<anonymous>", "Object"),
            ("handle+0x1f", "handle"),
            ("processOrder", "processOrder"),
            ("<lambda>", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(function(input), expected, "{input}");
        }
    }

    #[test]
    fn modules_lose_paths_locations_and_build_hashes() {
        assert_eq!(module(Some("checkout.cart"), Some("/x.py")), "checkout.cart");
        assert_eq!(module(None, Some("/srv/app/releases/42/src/cart.js:12:5")), "cart.js");
        assert_eq!(
            module(None, Some("https://cdn.example.com/main.3f2a9c1d.js?v=1")),
            "main.js"
        );
        assert_eq!(module(Some("  "), Some("C:\\app\\worker.rs")), "worker.rs");
        assert_eq!(module(None, None), "");
    }
}
