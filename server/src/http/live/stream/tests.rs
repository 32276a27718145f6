use super::*;
use crate::http::live::entry::sse_frame;

fn point(id: u64, service: &str) -> Message {
    let id = EntryId(1_700_000_000_000, id);
    Message::Entry(Arc::new(Published {
        id,
        kind: Kind::Point {
            service: service.to_string(),
        },
        frame: sse_frame("point", id, "{}"),
    }))
}

fn alerts(id: u64) -> Message {
    let id = EntryId(1_700_000_000_000, id);
    Message::Entry(Arc::new(Published {
        id,
        kind: Kind::Alerts,
        frame: sse_frame("alerts", id, "[]"),
    }))
}

fn filter(service: Option<&str>, points: bool, reads_alerts: bool) -> Filter {
    Filter {
        last_sent: None,
        service: service.map(str::to_string),
        points,
        reads_alerts,
        issues: false,
        stores: false,
        logs: None,
    }
}

fn sent(step: Step) -> bool {
    matches!(step, Step::Send(_))
}

#[test]
fn a_stream_sends_its_service_once_each_and_every_heartbeat() {
    let mut chart = filter(Some("checkout"), true, false);
    assert!(sent(chart.step(&point(1, "checkout"))));
    assert_eq!(chart.step(&point(2, "search")), Step::Skip);
    // Replayed and then received live: sent once.
    assert_eq!(chart.step(&point(1, "checkout")), Step::Skip);
    assert_eq!(
        chart.step(&Message::Heartbeat),
        Step::Send(Bytes::from_static(HEARTBEAT_FRAME))
    );
    assert_eq!(chart.step(&alerts(3)), Step::Skip, "a viewer does not read alerts");
    assert_eq!(chart.step(&Message::Stop), Step::End);
}

#[test]
fn the_badge_gets_alert_counts_and_no_points() {
    let mut badge = filter(None, false, true);
    assert_eq!(badge.step(&point(1, "checkout")), Step::Skip);
    assert!(sent(badge.step(&alerts(2))));
}

fn log(id: u64, service: &str, severity: i16) -> Message {
    let id = EntryId(1_700_000_000_000, id);
    let line = app::logs::LogLine {
        id: 1,
        ts: chrono::DateTime::UNIX_EPOCH,
        service: service.to_string(),
        host: String::new(),
        severity,
        severity_text: String::new(),
        body: "card declined".into(),
        attributes: serde_json::json!({}),
        trace_id: None,
        span_id: None,
    };
    Message::Entry(Arc::new(Published {
        id,
        kind: Kind::Log(Box::new(line)),
        frame: sse_frame("line", id, "{}"),
    }))
}

#[test]
fn a_tail_gets_only_the_lines_its_query_matches() {
    let query = LogQuery::parse("service:checkout level>=error declined").expect("parses");
    let mut tail = Filter {
        logs: Some(query),
        ..filter(None, false, false)
    };
    assert!(sent(tail.step(&log(1, "checkout", 17))));
    assert_eq!(tail.step(&log(2, "checkout", 9)), Step::Skip, "too quiet");
    assert_eq!(tail.step(&log(3, "search", 17)), Step::Skip, "another service");
    assert_eq!(tail.step(&point(4, "checkout")), Step::Skip, "no chart points");
    assert_eq!(tail.step(&alerts(5)), Step::Skip, "no alert counts");
    let mut chart = filter(None, true, true);
    assert_eq!(chart.step(&log(6, "checkout", 17)), Step::Skip, "charts get no lines");
}

fn issue(id: u64, service: &str) -> Message {
    let id = EntryId(1_700_000_000_000, id);
    Message::Entry(Arc::new(Published {
        id,
        kind: Kind::Issue {
            service: service.to_string(),
        },
        frame: sse_frame("issue", id, "{}"),
    }))
}

#[test]
fn issue_updates_go_only_to_the_errors_page_of_a_reader_of_errors() {
    let errors_page = |service: Option<&str>, reads_errors: bool| Filter {
        issues: reads_errors,
        ..filter(service, false, false)
    };
    let mut all = errors_page(None, true);
    assert!(sent(all.step(&issue(1, "checkout"))));
    assert_eq!(all.step(&point(2, "checkout")), Step::Skip, "no chart points");
    let mut one = errors_page(Some("search"), true);
    assert_eq!(one.step(&issue(3, "checkout")), Step::Skip, "another service");
    assert!(sent(one.step(&issue(4, "search"))));
    let mut manager = errors_page(None, false);
    assert_eq!(
        manager.step(&issue(5, "checkout")),
        Step::Skip,
        "not a reader of errors"
    );
    let mut chart = filter(None, true, true);
    assert_eq!(chart.step(&issue(6, "checkout")), Step::Skip, "charts get no issues");
}

#[test]
fn waiting_frames_go_out_in_one_write_in_their_order() {
    let lone = Bytes::from_static(b"event: line\ndata: 1\n\n");
    let mut one = Batch::default();
    assert!(!one.push(lone.clone()));
    let taken = one.take().expect("a lone frame");
    assert_eq!(taken.as_ptr(), lone.as_ptr(), "a lone frame is sent without a copy");

    let mut several = Batch::default();
    for n in 1..=3 {
        several.push(Bytes::from(format!("data: {n}\n\n")));
    }
    assert_eq!(
        several.take().expect("a batch"),
        Bytes::from_static(b"data: 1\n\ndata: 2\n\ndata: 3\n\n")
    );
    assert_eq!(Batch::default().take(), None);
}

#[test]
fn a_batch_is_full_at_its_byte_cap() {
    let frame = Bytes::from(vec![b'x'; 1000]);
    let mut batch = Batch::default();
    let pushed = (1..).find(|_| batch.push(frame.clone())).expect("the batch fills up");
    assert_eq!(pushed, BATCH_MAX.div_ceil(1000));
    assert_eq!(batch.take().expect("a batch").len(), pushed * 1000);
}

fn samples(id: u64, service: &str) -> Message {
    let id = EntryId(1_700_000_000_000, id);
    Message::Entry(Arc::new(Published {
        id,
        kind: Kind::Samples {
            service: service.to_string(),
        },
        frame: sse_frame("samples", id, "[]"),
    }))
}

#[test]
fn data_store_samples_go_only_to_the_data_stores_page_of_those_who_may_see_it() {
    let mut page = Filter {
        stores: true,
        ..filter(None, false, false)
    };
    assert!(sent(page.step(&samples(1, "opsdeck-postgres"))));
    assert_eq!(page.step(&point(2, "checkout")), Step::Skip);
    let mut chart = filter(None, true, true);
    assert_eq!(
        chart.step(&samples(3, "opsdeck-redis")),
        Step::Skip,
        "not a chart point"
    );
}
