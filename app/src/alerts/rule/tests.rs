//! `RuleDraft`: its validation, summary and stored shape.

use super::*;

/// A valid rule for tests across the crate.
pub fn draft() -> RuleDraft {
    RuleDraft {
        name: "Checkout slow".into(),
        description: String::new(),
        service: "checkout".into(),
        endpoint: None,
        metric: None,
        matchers: BTreeMap::new(),
        log_query: None,
        error_issue: None,
        aggregation: Aggregation::P95,
        window_secs: 300,
        comparator: Comparator::Gt,
        threshold: 500.0,
        recovery_threshold: Some(400.0),
        for_secs: 120,
        no_data: NoDataPolicy::Keep,
        severity: Severity::Warning,
        labels: BTreeMap::from([("team".to_string(), "shop".to_string())]),
        summary: "P95 {{value}} ms over {{threshold}} ms for {{labels.team}}".into(),
        channels: vec!["ops".into()],
        enabled: true,
    }
}

/// The fields `result` refuses.
fn fields_of(result: Result<(), AppError>) -> Vec<String> {
    match result {
        Ok(()) => Vec::new(),
        Err(error) => FieldErrors::from(error).0.into_iter().map(|(field, _)| field).collect(),
    }
}

#[test]
fn a_good_rule_passes_and_bad_fields_are_named() {
    assert!(draft().validate().is_ok());
    type Change = Box<dyn Fn(&mut RuleDraft)>;
    let cases: Vec<(&str, Change)> = vec![
        ("name", Box::new(|d| d.name = "  ".into())),
        ("service", Box::new(|d| d.service = String::new())),
        ("metric", Box::new(|d| d.metric = Some("cpu".into()))),
        ("window_secs", Box::new(|d| d.window_secs = 90)),
        ("threshold", Box::new(|d| d.threshold = f64::NAN)),
        ("recovery_threshold", Box::new(|d| d.recovery_threshold = Some(600.0))),
        ("for_secs", Box::new(|d| d.for_secs = -1)),
        ("channels", Box::new(|d| d.channels = vec!["Ops Team".into()])),
        ("channels", Box::new(|d| d.channels = vec!["ops".into(), "ops".into()])),
        (
            "labels",
            Box::new(|d| d.labels = BTreeMap::from([("bad key".into(), "x".into())])),
        ),
        (
            "metric",
            Box::new(|d| {
                d.aggregation = Aggregation::MetricMax;
            }),
        ),
    ];
    for (field, change) in cases {
        let mut d = draft();
        change(&mut d);
        assert!(fields_of(d.validate()).contains(&field.to_string()), "{d:?}");
    }
}

#[test]
fn every_wrong_field_is_named_at_once() {
    let mut d = draft();
    d.name = String::new();
    d.threshold = f64::NAN;
    d.channels = vec!["Ops Team".into()];
    assert_eq!(fields_of(d.validate()), ["name", "threshold", "channels"]);
}

#[test]
fn the_summary_fills_in_value_threshold_and_labels() {
    assert_eq!(
        draft().render_summary(Some(612.345)),
        "P95 612.35 ms over 500 ms for shop"
    );
    assert_eq!(draft().render_summary(None), "P95 no data ms over 500 ms for shop");
}

#[test]
fn the_stored_shape_is_flat_words() {
    let json = serde_json::to_value(draft()).expect("serialises");
    assert_eq!(json["aggregation"], "p95");
    assert_eq!(json["comparator"], ">");
    assert_eq!(json["no_data"], "keep");
    let back: RuleDraft = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, draft());
}

#[test]
fn a_log_rule_needs_a_query_that_reads_and_nothing_of_other_rules() {
    let heartbeat = || RuleDraft {
        endpoint: None,
        log_query: Some("heartbeat level>=info".into()),
        aggregation: Aggregation::LogLines,
        comparator: Comparator::Lt,
        threshold: 1.0,
        recovery_threshold: None,
        ..draft()
    };
    assert!(heartbeat().validate().is_ok());
    // No query: every line of the service counts.
    assert!(
        RuleDraft {
            log_query: None,
            ..heartbeat()
        }
        .validate()
        .is_ok()
    );
    let message = |d: RuleDraft, field: &str| match d.validate() {
        Err(error) => FieldErrors::from(error).get(field).map(|m| m.to_string()),
        Ok(()) => None,
    };
    // The parser's message and position (the byte of the open quote).
    assert_eq!(
        message(
            RuleDraft {
                log_query: Some(r#"timeout "connection reset"#.into()),
                ..heartbeat()
            },
            "log_query"
        )
        .as_deref(),
        Some("This query cannot be read: unbalanced quote at 8")
    );
    assert!(
        message(
            RuleDraft {
                log_query: Some("level>=loud".into()),
                ..heartbeat()
            },
            "log_query"
        )
        .is_some()
    );
    type Change = Box<dyn Fn(&mut RuleDraft)>;
    let cases: Vec<(&str, Change)> = vec![
        ("metric", Box::new(|d| d.metric = Some("cpu".into()))),
        ("endpoint", Box::new(|d| d.endpoint = Some("/pay".into()))),
        (
            "matchers",
            Box::new(|d| d.matchers = BTreeMap::from([("host".into(), "a".into())])),
        ),
    ];
    for (field, change) in cases {
        let mut d = heartbeat();
        change(&mut d);
        assert!(fields_of(d.validate()).contains(&field.to_string()), "{field}: {d:?}");
    }
    // Any other rule refuses a log query.
    let p95 = RuleDraft {
        log_query: Some("timeout".into()),
        ..draft()
    };
    assert_eq!(fields_of(p95.validate()), ["log_query"]);
}

#[test]
fn a_log_rule_is_stored_with_its_query_and_others_without_the_field() {
    let json = serde_json::to_value(draft()).expect("serialises");
    assert!(json.get("log_query").is_none(), "{json}");
    let log = RuleDraft {
        log_query: Some("x".into()),
        aggregation: Aggregation::LogLines,
        endpoint: None,
        ..draft()
    };
    let json = serde_json::to_value(&log).expect("serialises");
    assert_eq!(
        (json["log_query"].as_str(), json["aggregation"].as_str()),
        (Some("x"), Some("log_lines"))
    );
    assert_eq!(log.condition().watched.log_query.as_deref(), Some("x"));
}
