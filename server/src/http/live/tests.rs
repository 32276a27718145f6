use bytes::Bytes;

use super::entry::sse_frame;
use super::*;

#[test]
fn entry_ids_parse_and_order_like_redis() {
    let a = EntryId::parse("1700000000000-2");
    let b = EntryId::parse("1700000000001-0");
    assert!(a.is_some() && a < b);
    assert_eq!(a.map(|id| id.to_string()), Some("1700000000000-2".to_string()));
    assert_eq!(EntryId::parse("nonsense"), None);
    assert_eq!(EntryId::parse("12-x"), None);
}

#[test]
fn events_are_framed_once_as_server_sent_events() {
    let id = EntryId(1_700_000_000_000, 3);
    assert_eq!(
        sse_frame("point", id, r#"{"t":1}"#),
        Bytes::from("event: point\nid: 1700000000000-3\ndata: {\"t\":1}\n\n")
    );
    // A line break in the data cannot end the event early.
    assert_eq!(
        sse_frame("alerts", id, "a\nb"),
        Bytes::from("event: alerts\nid: 1700000000000-3\ndata: a\ndata: b\n\n")
    );
}
