//! The Sentry envelope format (develop.sentry.dev/sdk/data-model/envelopes/):
//! a header line of JSON, then items, each a header line of JSON (`type`,
//! optional `length`) and its payload: `length` bytes, or up to the next
//! newline when `length` is absent.
//!
//! Why not `sentry-types`' `Envelope::from_slice`: it decodes every item
//! into its typed model, so an item type or field it does not know fails
//! the whole envelope or is dropped, and the stored event would be its
//! re-serialisation rather than what the SDK sent. Only the framing is
//! needed here (events are kept as sent, scrubbed); it borrows the body,
//! so an envelope costs its decompressed size once.

use serde_json::Value;

/// One item: its type and payload, borrowed from the body.
#[derive(Debug, PartialEq, Eq)]
pub struct Item<'a> {
    pub kind: String,
    pub payload: &'a [u8],
}

/// An envelope's `event_id` header and items.
#[derive(Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub event_id: Option<String>,
    pub items: Vec<Item<'a>>,
}

/// Parses the framing; `Err` names the problem (sent back with a 400).
pub fn parse(body: &[u8]) -> Result<Envelope<'_>, String> {
    let (header, mut rest) = line(body);
    let header = json_object(header).map_err(|problem| format!("the envelope header {problem}"))?;
    let event_id = header.get("event_id").and_then(Value::as_str).map(str::to_string);
    let mut items = Vec::new();
    while !rest.iter().all(u8::is_ascii_whitespace) {
        let number = items.len() + 1;
        let (item_header, after) = line(rest);
        let item_header =
            json_object(item_header).map_err(|problem| format!("the header of item {number} {problem}"))?;
        let kind = item_header
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("item {number} has no type"))?
            .to_string();
        let (payload, next) = match item_header.get("length") {
            None | Some(Value::Null) => line(after),
            Some(length) => {
                let length = length
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| format!("item {number}'s length is not a whole number"))?;
                if length > after.len() {
                    return Err(format!(
                        "item {number}'s length ({length} bytes) runs past the end of the envelope"
                    ));
                }
                let (payload, next) = after.split_at(length);
                (payload, next.strip_prefix(b"\n").unwrap_or(next))
            }
        };
        items.push(Item { kind, payload });
        rest = next;
    }
    Ok(Envelope { event_id, items })
}

/// The text up to the next newline (`\r\n` too), and what follows it.
fn line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (
            bytes[..at].strip_suffix(b"\r").unwrap_or(&bytes[..at]),
            &bytes[at + 1..],
        ),
        None => (bytes, &[]),
    }
}

fn json_object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("is not a JSON object".to_string()),
        Err(error) => Err(format!("is not valid JSON ({error})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_with_and_without_length() {
        let body = b"{\"event_id\":\"abc\",\"sent_at\":\"x\"}\n\
            {\"type\":\"event\",\"length\":13}\n{\"message\":1}\n\
            {\"type\":\"session\"}\n{\"sid\":\"s\"}\n\
            {\"type\":\"attachment\",\"length\":3}\nA\nB";
        let envelope = parse(body).expect("valid");
        assert_eq!(envelope.event_id.as_deref(), Some("abc"));
        let kinds: Vec<&str> = envelope.items.iter().map(|item| item.kind.as_str()).collect();
        assert_eq!(kinds, ["event", "session", "attachment"]);
        assert_eq!(envelope.items[0].payload, b"{\"message\":1}");
        assert_eq!(envelope.items[1].payload, b"{\"sid\":\"s\"}");
        assert_eq!(envelope.items[2].payload, b"A\nB", "a length may cover newlines");
    }

    #[test]
    fn empty_envelopes_and_trailing_newlines_are_fine() {
        assert_eq!(parse(b"{}").map(|e| e.items.len()), Ok(0));
        assert_eq!(parse(b"{}\n").map(|e| e.items.len()), Ok(0));
        assert_eq!(
            parse(b"{}\r\n{\"type\":\"event\"}\r\n{}\r\n").map(|e| e.items.len()),
            Ok(1)
        );
    }

    #[test]
    fn malformed_envelopes_are_named() {
        let problem = |body: &[u8]| parse(body).expect_err("malformed");
        assert!(problem(b"not json\n").starts_with("the envelope header is not valid JSON"));
        assert!(problem(b"[]\n").starts_with("the envelope header is not a JSON object"));
        assert_eq!(problem(b"{}\n{\"length\":1}\nx"), "item 1 has no type");
        assert!(problem(b"{}\n{\"type\":\"event\",\"length\":99}\n{}").contains("runs past the end"));
        assert!(problem(b"{}\n{\"type\":\"event\",\"length\":-1}\n{}").contains("not a whole number"));
        assert!(problem(b"{}\n{\"type\":\"event\"}\n{}\nnope").starts_with("the header of item 2"));
    }
}
