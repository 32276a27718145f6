//! Sensitive values are removed from an event before it is stored.
//!
//! - A value whose key contains (case-insensitively) one of [`KEYS`] or of
//!   `OPSDECK_ERROR_SCRUB_KEYS` becomes `"[Filtered]"`, wherever it is in
//!   the event (request headers and cookies, extra, contexts, breadcrumbs'
//!   data, frames' variables); so does the value of a `[name, value]` pair
//!   (how SDKs send headers) whose name matches.
//! - In every string, a run of 13 to 19 digits (spaces or dashes between
//!   them allowed) that passes the Luhn check and stands alone (not part of
//!   a longer word or identifier, such as a hex event or trace id), a
//!   payment card number, becomes `[Filtered]`.
//! - NUL characters, which Postgres cannot store in JSON, become U+FFFD.

use serde_json::{Map, Value};

/// The built-in list: `set-cookie` and `cookies` are covered by `cookie`.
pub const KEYS: [&str; 8] = [
    "password",
    "passwd",
    "authorization",
    "cookie",
    "token",
    "secret",
    "api_key",
    "apikey",
];

pub const FILTERED: &str = "[Filtered]";

/// Scrubs `event` in place with the built-in keys and `extra`.
pub fn scrub(event: &mut Value, extra: &[String]) {
    let keys: Vec<String> = KEYS
        .iter()
        .map(|key| key.to_string())
        .chain(extra.iter().map(|key| key.trim().to_ascii_lowercase()))
        .filter(|key| !key.is_empty())
        .collect();
    walk(event, &keys);
}

fn sensitive(name: &str, keys: &[String]) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    keys.iter().any(|key| name.contains(&key.replace('-', "_")))
}

fn filtered(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(text) if text.is_empty() => Value::String(String::new()),
        _ => Value::String(FILTERED.to_string()),
    }
}

fn walk(value: &mut Value, keys: &[String]) {
    match value {
        Value::String(text) => clean_text(text),
        Value::Array(items) => {
            let pair_name = matches!(items.as_slice(), [Value::String(name), _] if sensitive(name, keys));
            if pair_name {
                items[1] = filtered(&items[1]);
            }
            for item in items.iter_mut() {
                walk(item, keys);
            }
        }
        Value::Object(map) => {
            let cleaned: Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(mut name, mut item)| {
                    if sensitive(&name, keys) {
                        item = filtered(&item);
                    } else {
                        walk(&mut item, keys);
                    }
                    clean_text(&mut name);
                    (name, item)
                })
                .collect();
            *map = cleaned;
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn clean_text(text: &mut String) {
    if text.contains('\0') {
        *text = text.replace('\0', "\u{fffd}");
    }
    if text.bytes().filter(u8::is_ascii_digit).count() >= 13 {
        *text = without_card_numbers(text);
    }
}

/// `text` with every card-like number replaced by [`FILTERED`].
pub fn without_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_run = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if starts_run {
            let mut end = i;
            let mut digits = Vec::new();
            while end < chars.len() {
                if let Some(d) = chars[end].to_digit(10) {
                    digits.push(d);
                    end += 1;
                } else if matches!(chars[end], ' ' | '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit) {
                    end += 1;
                } else {
                    break;
                }
            }
            // Part of a word or an identifier (`a1b2…`, `…-4111`): not a card number.
            let joined = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_'));
            let alone = !joined(i.checked_sub(1).and_then(|p| chars.get(p))) && !joined(chars.get(end));
            if alone && (13..=19).contains(&digits.len()) && luhn(&digits) {
                out.push_str(FILTERED);
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(n, &d)| {
            if n % 2 == 1 {
                (d * 2) % 9 + u32::from(d == 9) * 9
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sensitive_keys_and_header_pairs_are_filtered_everywhere() {
        let mut event = json!({
            "request": {
                "headers": [["Authorization", "Bearer abc"], ["Accept", "text/html"]],
                "cookies": "session=1",
                "data": { "user": "ann", "Password": "hunter2", "nested": { "api-key": 5, "x_token": null } }
            },
            "extra": { "client_secret": "s", "Set-Cookie": "a=b", "note": "ok" },
            "breadcrumbs": { "values": [{ "data": { "passwd": "p" } }] },
            "custom": { "session_id": "kept" }
        });
        scrub(&mut event, &["session_id".to_string()]);
        assert_eq!(event["request"]["headers"][0][1], FILTERED);
        assert_eq!(event["request"]["headers"][1][1], "text/html");
        assert_eq!(event["request"]["cookies"], FILTERED);
        assert_eq!(event["request"]["data"]["user"], "ann");
        assert_eq!(event["request"]["data"]["Password"], FILTERED);
        assert_eq!(event["request"]["data"]["nested"]["api-key"], FILTERED);
        assert_eq!(event["request"]["data"]["nested"]["x_token"], Value::Null);
        assert_eq!(event["extra"]["client_secret"], FILTERED);
        assert_eq!(event["extra"]["Set-Cookie"], FILTERED);
        assert_eq!(event["extra"]["note"], "ok");
        assert_eq!(event["breadcrumbs"]["values"][0]["data"]["passwd"], FILTERED);
        assert_eq!(event["custom"]["session_id"], FILTERED, "configured keys too");
    }

    #[test]
    fn card_numbers_go_other_numbers_stay() {
        assert_eq!(
            without_card_numbers("card 4111 1111 1111 1111 declined"),
            "card [Filtered] declined"
        );
        assert_eq!(without_card_numbers("4111-1111-1111-1111"), FILTERED);
        assert_eq!(without_card_numbers("5500005555555559."), "[Filtered].");
        // Fails Luhn, too short, too long: kept.
        assert_eq!(without_card_numbers("4111 1111 1111 1112"), "4111 1111 1111 1112");
        assert_eq!(without_card_numbers("order 123456789012"), "order 123456789012");
        assert_eq!(
            without_card_numbers("id 41111111111111111111111"),
            "id 41111111111111111111111"
        );
        // Inside an identifier (a hex event id, a dashed UUID): kept.
        let hex = "4111111111111111abcdef0123456789";
        assert_eq!(without_card_numbers(hex), hex);
        let dashed = "41111111-1111-1111-abcd-ef0123456789";
        assert_eq!(without_card_numbers(dashed), dashed);
        assert_eq!(without_card_numbers("(4111111111111111)"), "([Filtered])");
        let mut text = "a\0b".to_string();
        clean_text(&mut text);
        assert_eq!(text, "a\u{fffd}b");
    }
}
