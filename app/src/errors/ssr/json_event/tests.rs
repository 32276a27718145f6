use serde_json::json;

use super::*;
use crate::errors::ssr::event::prepare_value;

fn problem(record: &Value) -> String {
    to_sentry(record, 2).expect_err("refused").to_string()
}

#[test]
fn one_event_or_a_batch() {
    assert_eq!(records(br#"{"message":"a"}"#).map(|r| r.len()), Ok(1));
    assert_eq!(
        records(br#"{"events":[{"message":"a"},{"message":"b"}]}"#).map(|r| r.len()),
        Ok(2)
    );
    assert_eq!(records(br#"{"events":[]}"#).map(|r| r.len()), Ok(0));
    let refused = |body: &[u8]| records(body).expect_err("refused").to_string();
    assert!(refused(b"[1]").contains("an event object"));
    assert!(refused(br#"{"events":{}}"#).contains("events must be an array"));
    assert!(refused(br#"{"events":[],"message":"x"}"#).contains("only the field events"));
    assert!(refused(b"{\"message\":\"\xff\"}").contains("not valid JSON"));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(refused(deep.as_bytes()).contains("not valid JSON"));
}

#[test]
fn a_full_record_becomes_the_sentry_event_it_stands_for() {
    let record = json!({
        "event_id": "9F8C2D4B-0A1E-4C3D-8B7A-6E5F4D3C2B1A",
        "timestamp": "2026-12-07T10:00:00Z",
        "level": "warning",
        "message": "payment failed",
        "exception": { "type": "PaymentError", "value": "card 42 declined", "frames": [
            { "function": "main", "filename": "app.py", "lineno": 1, "in_app": false },
            { "function": "charge", "module": "billing.cards", "lineno": 7, "in_app": true }
        ] },
        "release": "billing@2.1.0",
        "environment": "production",
        "transaction": "POST /charge",
        "user": { "id": 17, "email": "ann@example.com" },
        "tags": { "region": "eu" },
        "fingerprint": ["payments", "{{ default }}"],
        "extra": { "attempt": 3 },
        "request": { "method": "POST", "url": "https://shop.example/charge" }
    });
    let event = to_sentry(&record, 1).expect("valid");
    assert_eq!(event["event_id"], "9f8c2d4b0a1e4c3d8b7a6e5f4d3c2b1a");
    assert_eq!(event["logentry"]["formatted"], "payment failed");
    assert_eq!(event["exception"]["values"][0]["type"], "PaymentError");
    assert_eq!(
        event["exception"]["values"][0]["stacktrace"]["frames"][1]["function"],
        "charge"
    );
    assert_eq!(event["user"]["id"], "17");
    let now = chrono::Utc::now();
    let prepared = prepare_value(event, None, now, 30, &[]).expect("prepared");
    assert_eq!(prepared.title, "PaymentError: card 42 declined");
    assert_eq!(prepared.level, "warning");
    assert_eq!(prepared.release.as_deref(), Some("billing@2.1.0"));
    assert_eq!(prepared.culprit, "POST /charge");
    assert_eq!(prepared.user.as_deref(), Some("17"));
    assert_eq!(prepared.grouping.components[0], "payments");
}

#[test]
fn refusals_name_the_record_and_the_field() {
    let cases = [
        (
            json!({ "message": "x", "levle": "error" }),
            "event 2, field levle: is not a known field",
        ),
        (json!({ "message": 3 }), "event 2, field message: must be a string"),
        (json!({ "level": "error" }), "event 2, field message: is required"),
        (
            json!({ "message": "x", "level": "bad" }),
            "event 2, field level: must be fatal",
        ),
        (json!({ "message": "x", "event_id": "12" }), "event 2, field event_id:"),
        (
            json!({ "message": "x", "timestamp": "yesterday" }),
            "event 2, field timestamp:",
        ),
        (json!({ "message": "x", "tags": { "a": 1 } }), "event 2, field tags:"),
        (
            json!({ "message": "x", "fingerprint": [] }),
            "event 2, field fingerprint:",
        ),
        (
            json!({ "message": "x", "user": { "name": "a" } }),
            "event 2, field user.name: is not a known",
        ),
        (
            json!({ "message": "x", "user": { "id": [] } }),
            "event 2, field user.id: must be a string",
        ),
        (
            json!({ "exception": { "value": "v" } }),
            "event 2, field exception.type:",
        ),
        (
            json!({ "exception": { "type": "E", "frames": [{}, { "lineno": "7" }] } }),
            "event 2, field exception.frames[1]: lineno must be a whole number",
        ),
        (
            json!({ "exception": { "type": "E", "frames": [{ "address": "0x1" }] } }),
            "event 2, field exception.frames[0]: address is not a known field",
        ),
        (json!("text"), "event 2: is not a JSON object"),
    ];
    for (record, expected) in cases {
        let message = problem(&record);
        assert!(message.starts_with(expected), "{message} should start with {expected}");
    }
}

#[test]
fn derived_ids_are_stable_per_key_batch_and_position() {
    let id = derived_event_id(1, "batch-1", 1);
    assert_eq!(id.len(), 32);
    assert_eq!(id, derived_event_id(1, "batch-1", 1));
    assert_ne!(id, derived_event_id(1, "batch-1", 2));
    assert_ne!(id, derived_event_id(2, "batch-1", 1));
    assert_ne!(id, derived_event_id(1, "batch-2", 1));
}
