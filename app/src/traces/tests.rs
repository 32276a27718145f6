use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

fn at(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).single().unwrap_or_default() + Duration::milliseconds(ms)
}

fn span(id: &str, parent: Option<&str>, start_ms: i64) -> Span {
    Span {
        span_id: id.to_string(),
        parent_span_id: parent.map(str::to_string),
        service: "shop".into(),
        name: format!("span {id}"),
        kind: 1,
        start_ts: at(start_ms),
        duration_ms: 5.0,
        status: SpanStatus::Unset,
        status_message: String::new(),
        attributes: Vec::new(),
        events: Vec::new(),
    }
}

fn shape(rows: &[WaterfallRow]) -> Vec<(String, usize, f64)> {
    rows.iter()
        .map(|row| (row.span.span_id.clone(), row.depth, row.offset_ms))
        .collect()
}

#[test]
fn children_follow_their_parent_in_start_order() {
    let spans = vec![
        span("c2", Some("root"), 30),
        span("root", None, 0),
        span("g1", Some("c1"), 12),
        span("c1", Some("root"), 10),
    ];
    assert_eq!(
        shape(&waterfall(spans)),
        vec![
            ("root".into(), 0, 0.0),
            ("c1".into(), 1, 10.0),
            ("g1".into(), 2, 12.0),
            ("c2".into(), 1, 30.0),
        ]
    );
}

#[test]
fn a_span_whose_parent_is_missing_is_a_root() {
    let spans = vec![span("a", None, 0), span("orphan", Some("gone"), 5)];
    assert_eq!(
        shape(&waterfall(spans)),
        vec![("a".into(), 0, 0.0), ("orphan".into(), 0, 5.0)]
    );
}

#[test]
fn a_cycle_of_parents_shows_every_span_once() {
    let spans = vec![
        span("a", Some("b"), 0),
        span("b", Some("a"), 1),
        span("self", Some("self"), 2),
    ];
    let rows = waterfall(spans);
    let mut ids: Vec<String> = rows.iter().map(|row| row.span.span_id.clone()).collect();
    ids.sort();
    assert_eq!(ids, vec!["a", "b", "self"]);
}

#[test]
fn no_spans_no_rows() {
    assert!(waterfall(Vec::new()).is_empty());
}

#[test]
fn trace_ids_are_32_hex_digits() {
    assert_eq!(
        parse_trace_id(" 0AF7651916CD43DD8448EB211C80319C ").ok(),
        Some("0af7651916cd43dd8448eb211c80319c".to_string())
    );
    for bad in [
        "",
        "xyz",
        "0af7651916cd43dd8448eb211c80319",
        "0af7651916cd43dd8448eb211c80319g",
    ] {
        assert!(parse_trace_id(bad).is_err(), "{bad}");
    }
}

#[test]
fn status_codes_round_trip() {
    for status in [SpanStatus::Unset, SpanStatus::Ok, SpanStatus::Error] {
        assert_eq!(SpanStatus::from_code(status.code()), status);
    }
    assert_eq!(SpanStatus::from_code(7), SpanStatus::Unset);
}
