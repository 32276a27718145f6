use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::errors::Basis;

fn prepared(event: &Value) -> PreparedEvent {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).single().expect("time");
    prepare(event.to_string().as_bytes(), None, now, 30, &[]).expect("valid")
}

#[test]
fn columns_come_from_the_event() {
    let event = json!({
        "event_id": "0B7E0D3C-84B1-4F5E-9A5C-2F6D0A1B2C3D",
        "timestamp": 1796644800.25,
        "level": "warning",
        "environment": "production",
        "release": "shop@1.2.3",
        "user": { "id": 42, "email": "ann@example.com" },
        "exception": { "values": [
            { "type": "IOError", "value": "disk full" },
            { "type": "TypeError", "value": "x is undefined\nsecond line", "stacktrace": { "frames": [
                { "module": "lib", "function": "call", "in_app": false },
                { "filename": "/app/cart.js", "function": "add", "lineno": 3, "in_app": true },
                { "module": "lib", "function": "inner", "in_app": false }
            ] } }
        ] }
    });
    let p = prepared(&event);
    assert_eq!(p.event_id, "0b7e0d3c84b14f5e9a5c2f6d0a1b2c3d");
    assert_eq!(p.ts.timestamp_micros(), 1_796_644_800_250_000);
    assert_eq!(p.level, "warning");
    assert_eq!(p.environment.as_deref(), Some("production"));
    assert_eq!(p.release.as_deref(), Some("shop@1.2.3"));
    assert_eq!(p.user.as_deref(), Some("42"));
    assert_eq!(p.title, "TypeError: x is undefined");
    assert_eq!(p.culprit, "cart.js.add");
    assert_eq!(p.grouping.basis, Basis::InAppFrames);
    assert_eq!(p.event["event_id"], "0b7e0d3c84b14f5e9a5c2f6d0a1b2c3d");
}

#[test]
fn messages_and_odd_values_get_defaults() {
    let p = prepared(&json!({
        "message": { "formatted": "cart 7 failed", "message": "cart %s failed" },
        "level": "catastrophic",
        "timestamp": "1999-01-01T00:00:00Z",
        "transaction": "POST /cart"
    }));
    assert_eq!(p.title, "cart 7 failed");
    assert_eq!(p.message, "cart 7 failed");
    assert_eq!(p.level, "error");
    assert_eq!(p.culprit, "POST /cart");
    assert_eq!(
        p.ts,
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).single().expect("time"),
        "too old: now"
    );
    assert_eq!(p.event_id.len(), 32);
    assert_eq!(prepared(&json!({})).title, "<no message>");
}

#[test]
fn problems_are_named() {
    let now = Utc::now();
    let bad = |payload: &[u8]| prepare(payload, None, now, 30, &[]).expect_err("refused");
    assert!(bad(b"[1]").contains("not a JSON object"));
    assert!(bad(b"{").contains("not valid JSON"));
    assert!(bad(&[b'"', 0xff, b'"']).contains("not valid JSON"));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(bad(deep.as_bytes()).contains("not valid JSON"));
}

#[test]
fn an_event_id_is_kept_whatever_digits_it_holds() {
    // Its first 16 digits pass the Luhn check, as a card number's would.
    for id in [
        "4111111111111111abcdef0123456789",
        "41111111-1111-1111-abcd-ef0123456789",
    ] {
        let event = prepared(&json!({ "event_id": id, "message": "boom" }));
        assert_eq!(event.event_id, id.replace('-', ""));
        assert_eq!(event.event["event_id"], id.replace('-', ""));
    }
}
