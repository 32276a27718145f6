//! How an event finds its issue: a hash of the *components* the first
//! applicable rule yields, stored with them (`error_hashes`) so the issue
//! page can say what grouped its events, and so a merge or an unmerge (a
//! hash moved to another issue) holds for every later event.
//!
//! The rules, in order:
//! 1. the SDK's explicit `fingerprint`, where `{{ default }}` stands for
//!    what rules 2–4 would give;
//! 2. the in-app frames of every exception's stack trace, outermost
//!    first, as normalised `module.function` (`normalize::{module, function}`);
//! 3. each exception's type and normalised value;
//! 4. the normalised message.
//!
//! `VERSION` names these rules; a change to them or to the normalisation
//! is a new version, and hashes stored under an older one keep their issue.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::normalize;
use crate::errors::Basis;

/// The grouping rules' version, stored with every hash.
pub const VERSION: i16 = 1;

/// At most this many in-app frames (the innermost) count, so a 100,000
/// frame trace costs no more than a short one.
pub const MAX_FRAMES: usize = 64;

/// What an event was grouped by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grouping {
    pub basis: Basis,
    pub components: Vec<String>,
    /// 32 hex digits of SHA-256 over the version, basis and components.
    pub hash: String,
}

pub fn group(event: &Value) -> Grouping {
    let (basis, components) = match fingerprint(event) {
        Some(parts) if parts.iter().any(|p| is_default(p)) && parts.len() == 1 => default_components(event),
        Some(parts) => {
            let mut components = Vec::new();
            for part in parts {
                if is_default(&part) {
                    components.extend(default_components(event).1);
                } else {
                    components.push(part);
                }
            }
            (Basis::Fingerprint, components)
        }
        None => default_components(event),
    };
    let mut digest = Sha256::new();
    digest.update(format!("v{VERSION}\n{}\n", basis.as_str()));
    for component in &components {
        digest.update(component.as_bytes());
        digest.update(b"\n");
    }
    let hash = hex::encode(digest.finalize())[..32].to_string();
    Grouping {
        basis,
        components,
        hash,
    }
}

fn is_default(part: &str) -> bool {
    part.split_whitespace().collect::<String>() == "{{default}}"
}

fn fingerprint(event: &Value) -> Option<Vec<String>> {
    let parts: Vec<String> = event
        .get("fingerprint")?
        .as_array()?
        .iter()
        .take(MAX_FRAMES)
        .map(|part| match part {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// Rules 2–4: the first that yields anything.
fn default_components(event: &Value) -> (Basis, Vec<String>) {
    let exceptions = exceptions(event);
    let frames = in_app_frames(&exceptions);
    if !frames.is_empty() {
        return (Basis::InAppFrames, frames);
    }
    let typed: Vec<String> = exceptions
        .iter()
        .filter_map(|exception| {
            let kind = text(exception.get("type")).unwrap_or_default();
            let value = text(exception.get("value")).unwrap_or_default();
            (!kind.is_empty() || !value.is_empty()).then(|| {
                format!(
                    "{}: {}",
                    if kind.is_empty() { "Error" } else { kind },
                    normalize::value(value)
                )
            })
        })
        .collect();
    if !typed.is_empty() {
        return (Basis::Exception, typed);
    }
    let message = message_template(event).map(normalize::value).unwrap_or_default();
    (Basis::Message, vec![message])
}

/// The exception chain, innermost cause first as Sentry sends it.
pub fn exceptions(event: &Value) -> Vec<&Value> {
    let list = match event.get("exception") {
        Some(Value::Object(map)) => map.get("values").and_then(Value::as_array),
        Some(Value::Array(list)) => Some(list),
        _ => None,
    };
    list.map(|list| list.iter().filter(|v| v.is_object()).collect())
        .unwrap_or_default()
}

/// A stack trace's frames, outermost (caller) first as Sentry sends them.
pub fn frames(exception: &Value) -> &[Value] {
    exception
        .get("stacktrace")
        .and_then(|trace| trace.get("frames"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn in_app_frames(exceptions: &[&Value]) -> Vec<String> {
    let mut components: Vec<String> = exceptions
        .iter()
        .flat_map(|exception| frames(exception))
        .filter(|frame| frame.get("in_app").and_then(Value::as_bool) == Some(true))
        .map(frame_component)
        .filter(|component| !component.is_empty())
        .collect();
    if components.len() > MAX_FRAMES {
        components.drain(..components.len() - MAX_FRAMES);
    }
    components
}

/// `module.function` of a frame, both normalised.
pub fn frame_component(frame: &Value) -> String {
    let module = normalize::module(text(frame.get("module")), text(frame.get("filename")));
    let function = normalize::function(text(frame.get("function")).unwrap_or_default());
    match (module.is_empty(), function.is_empty()) {
        (false, false) => format!("{module}.{function}"),
        (true, _) => function,
        (false, true) => module,
    }
}

/// The message before formatting (`logentry.message`, whose `%s` hold the
/// variable parts), else the formatted one.
pub fn message_template(event: &Value) -> Option<&str> {
    let entry = event
        .get("logentry")
        .or_else(|| event.get("message").filter(|m| m.is_object()));
    entry
        .and_then(|entry| text(entry.get("message")).or_else(|| text(entry.get("formatted"))))
        .or_else(|| text(event.get("message")))
}

pub fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn frame(module: &str, function: &str, line: u32, in_app: bool) -> Value {
        json!({ "module": module, "function": function, "lineno": line, "in_app": in_app })
    }

    fn exception(kind: &str, value: &str, frames: Vec<Value>) -> Value {
        json!({ "exception": { "values": [{ "type": kind, "value": value, "stacktrace": { "frames": frames } }] } })
    }

    #[test]
    fn the_rules_apply_in_order() {
        let with_frames = exception(
            "TypeError",
            "x is 1",
            vec![frame("lib", "x", 1, false), frame("cart", "add", 10, true)],
        );
        let grouping = group(&with_frames);
        assert_eq!(grouping.basis, Basis::InAppFrames);
        assert_eq!(grouping.components, vec!["cart.add"]);

        let no_in_app = exception("TypeError", "x is 1", vec![frame("lib", "x", 1, false)]);
        let grouping = group(&no_in_app);
        assert_eq!(grouping.basis, Basis::Exception);
        assert_eq!(grouping.components, vec!["TypeError: x is <num>"]);

        let message = json!({ "logentry": { "message": "cart %s failed", "formatted": "cart 7 failed" } });
        assert_eq!(group(&message).components, vec!["cart %s failed"]);
        let plain = json!({ "message": "cart 7 failed" });
        assert_eq!(group(&plain).basis, Basis::Message);
        assert_eq!(group(&plain).components, vec!["cart <num> failed"]);

        let mut explicit = with_frames.clone();
        explicit["fingerprint"] = json!(["checkout", "{{ default }}"]);
        let grouping = group(&explicit);
        assert_eq!(grouping.basis, Basis::Fingerprint);
        assert_eq!(grouping.components, vec!["checkout", "cart.add"]);

        explicit["fingerprint"] = json!(["{{default}}"]);
        assert_eq!(
            group(&explicit),
            group(&with_frames),
            "only {{ default }} is the default"
        );
    }

    #[test]
    fn line_numbers_and_values_do_not_split_an_issue() {
        let a = exception("E", "id 1", vec![frame("cart", "add", 10, true)]);
        let b = exception("E", "id 2", vec![frame("cart", "add", 99, true)]);
        assert_eq!(group(&a).hash, group(&b).hash);
        let c = exception("E", "id 1", vec![frame("cart", "remove", 10, true)]);
        assert_ne!(group(&a).hash, group(&c).hash);
        let d = exception("E", "user 1", vec![]);
        let e = exception("E", "user 2", vec![]);
        assert_eq!(group(&d).hash, group(&e).hash);
        assert_eq!(group(&a).hash.len(), 32);
    }

    #[test]
    fn a_huge_trace_is_bounded() {
        let frames: Vec<Value> = (0..100_000).map(|n| frame("m", &format!("f{n}"), 1, true)).collect();
        let grouping = group(&exception("E", "v", frames));
        assert_eq!(grouping.components.len(), MAX_FRAMES);
        assert_eq!(grouping.components.last().map(String::as_str), Some("m.f99999"));
    }
}
