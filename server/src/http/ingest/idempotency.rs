//! The optional `Idempotency-Key` header every ingest door reads the same way.

use axum::http::HeaderMap;

use app::ingest_batches::Batches;

/// The `Idempotency-Key`, if sent: 1 to `batches.max_key_len()` visible
/// ASCII characters, else the message to answer with.
pub fn idempotency_key(headers: &HeaderMap, batches: Batches) -> Result<Option<String>, String> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let max = batches.max_key_len();
    let text = value.to_str().unwrap_or_default();
    if text.is_empty() || text.len() > max || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("Idempotency-Key must be 1 to {max} visible ASCII characters"));
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_headers::headers;

    #[test]
    fn idempotency_keys_are_short_visible_ascii() {
        let key = |value: &str| idempotency_key(&headers(&[("idempotency-key", value)]), Batches::Metrics);
        assert_eq!(idempotency_key(&headers(&[]), Batches::Metrics), Ok(None));
        assert_eq!(key("batch-42"), Ok(Some("batch-42".into())));
        assert!(key("has space").is_err());
        assert!(key("").is_err());
        assert!(key(&"k".repeat(200)).is_ok());
        assert!(key(&"k".repeat(201)).is_err());
    }

    #[test]
    fn a_log_key_leaves_room_for_its_prefix() {
        let long = "k".repeat(196);
        let sent = headers(&[("idempotency-key", long.as_str())]);
        assert!(idempotency_key(&sent, Batches::Metrics).is_ok());
        let refused = idempotency_key(&sent, Batches::Logs).expect_err("too long for logs");
        assert!(refused.contains("1 to 195"), "{refused}");
    }
}
