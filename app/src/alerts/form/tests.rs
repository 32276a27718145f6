use super::*;

fn filled() -> RuleForm {
    RuleForm {
        name: "Checkout slow".into(),
        service: "checkout".into(),
        threshold: "500".into(),
        recovery_threshold: "400".into(),
        labels: "team=shop\n\n".into(),
        channels: "ops, pager".into(),
        enabled: Some("on".into()),
        ..RuleForm::blank()
    }
}

#[test]
fn a_filled_form_parses_and_round_trips() {
    let draft = filled().parse().expect("valid");
    assert_eq!(draft.window_secs, 300);
    assert_eq!(draft.for_secs, 120);
    assert_eq!(draft.labels.get("team").map(String::as_str), Some("shop"));
    assert!(draft.enabled);
    assert_eq!(RuleForm::from_draft(&draft).parse().expect("again"), draft);
}

#[test]
fn the_form_survives_a_trip_through_the_url() {
    let form = filled();
    let query = form.query();
    let pairs = crate::url::query_pairs(&query);
    let back =
        RuleForm::from_query(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())).expect("has fields");
    assert_eq!(back.parse().expect("valid"), form.parse().expect("valid"));
    assert!(RuleForm::from_query(|_| None).is_none());
}

#[test]
fn each_bad_field_is_named() {
    let field = |form: RuleForm| match form.parse() {
        Err(AppError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(RuleForm {
            threshold: "lots".into(),
            ..filled()
        }),
        "threshold"
    );
    assert_eq!(
        field(RuleForm {
            window_minutes: "2.5".into(),
            ..filled()
        }),
        "window_secs"
    );
    assert_eq!(
        field(RuleForm {
            labels: "team".into(),
            ..filled()
        }),
        "labels"
    );
    assert_eq!(
        field(RuleForm {
            aggregation: "median".into(),
            ..filled()
        }),
        "aggregation"
    );
    assert_eq!(
        field(RuleForm {
            name: String::new(),
            ..filled()
        }),
        "name"
    );
}

#[test]
fn a_log_rule_keeps_its_query_and_ignores_the_fields_the_editor_hides() {
    let log = RuleForm {
        aggregation: "log_lines".into(),
        log_query: r#" level>=error "card declined" "#.into(),
        endpoint: "/pay".into(),
        metric: "cpu".into(),
        matchers: "not a pair".into(),
        comparator: ">".into(),
        threshold: "10".into(),
        recovery_threshold: String::new(),
        ..filled()
    };
    let draft = log.parse().expect("valid");
    assert_eq!(draft.log_query.as_deref(), Some(r#"level>=error "card declined""#));
    assert_eq!((draft.endpoint, draft.metric, draft.matchers.len()), (None, None, 0));
    // Back to a request rule: the hidden query is left out.
    let p95 = RuleForm {
        log_query: "timeout".into(),
        ..filled()
    };
    assert_eq!(p95.parse().expect("valid").log_query, None);
    // A query that does not read is refused with the parser's position.
    let bad = RuleForm {
        log_query: "timeout level>=loud".into(),
        ..log
    };
    match bad.parse() {
        Err(AppError::Validation { field, message }) => {
            assert_eq!(field, "log_query");
            assert!(
                message.ends_with("unknown level \"loud\" (trace, debug, info, warn, error, fatal) at 15"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_error_rule_reads_its_issue_and_ignores_the_fields_the_editor_hides() {
    let errors = RuleForm {
        aggregation: "error_events".into(),
        error_issue: " #42 ".into(),
        endpoint: "/pay".into(),
        metric: "cpu".into(),
        matchers: "not a pair".into(),
        log_query: "timeout".into(),
        recovery_threshold: String::new(),
        ..filled()
    };
    let draft = errors.parse().expect("valid");
    assert_eq!(draft.error_issue, Some(42));
    assert_eq!(
        (draft.endpoint, draft.metric, draft.matchers.len(), draft.log_query),
        (None, None, 0, None)
    );
    // A new-issue rule names no issue: what the hidden field holds is left out.
    let new_issues = RuleForm {
        aggregation: "new_error_issues".into(),
        ..errors.clone()
    };
    assert_eq!(new_issues.parse().expect("valid").error_issue, None);
    let bad = RuleForm {
        error_issue: "forty-two".into(),
        ..errors
    };
    match bad.parse() {
        Err(AppError::Validation { field, .. }) => assert_eq!(field, "error_issue"),
        other => panic!("{other:?}"),
    }
}
