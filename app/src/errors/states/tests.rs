use super::*;

fn field_of(result: Result<StateChange, AppError>) -> String {
    match result {
        Err(AppError::Validation { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn changes_parse_with_the_fields_they_need() {
    fn parse(
        change: &str,
        release: Option<&str>,
        duration: Option<&str>,
        count: Option<&str>,
    ) -> Result<StateChange, AppError> {
        StateChange::parse(change, release, duration, count)
    }
    assert_eq!(parse("resolve", None, None, None), Ok(StateChange::Resolve));
    assert_eq!(
        parse("resolve_next_release", None, None, None),
        Ok(StateChange::ResolveInNextRelease)
    );
    assert_eq!(
        parse("resolve_in_release", Some(" shop@1.2.0 "), None, None),
        Ok(StateChange::ResolveInRelease("shop@1.2.0".into()))
    );
    assert_eq!(parse("ignore", None, None, None), Ok(StateChange::IgnoreForever));
    assert_eq!(
        parse("ignore_for", None, Some("2h"), None),
        Ok(StateChange::IgnoreFor(120))
    );
    assert_eq!(
        parse("ignore_for", None, Some("7d"), None),
        Ok(StateChange::IgnoreFor(7 * 24 * 60))
    );
    assert_eq!(
        parse("ignore_until_events", None, None, Some("5")),
        Ok(StateChange::IgnoreUntilEvents(5))
    );
    assert_eq!(
        parse("ignore_until_users", None, None, Some(" 2 ")),
        Ok(StateChange::IgnoreUntilUsers(2))
    );
    assert_eq!(parse("unresolve", None, None, None), Ok(StateChange::Unresolve));

    let long = "x".repeat(201);
    for (result, field) in [
        (parse("resolve_in_release", Some("  "), None, None), "release"),
        (parse("resolve_in_release", Some(long.as_str()), None, None), "release"),
        (parse("resolve_in_release", Some("a\u{0}b"), None, None), "release"),
        (parse("ignore_for", None, Some("5y"), None), "duration"),
        (parse("ignore_for", None, None, None), "duration"),
        (parse("ignore_until_events", None, None, Some("0")), "count"),
        (parse("ignore_until_events", None, None, Some("1000001")), "count"),
        (parse("ignore_until_users", None, None, Some("two")), "count"),
        (parse("ignore_until_users", None, None, None), "count"),
        (parse("delete", None, None, None), "change"),
    ] {
        assert_eq!(field_of(result), field);
    }
}

#[test]
fn issue_ids_are_numbers_at_least_one_at_most_a_page() {
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(parse_ids(Some(&ids(&["3", "1", "3"]))), Ok(vec![1, 3]));
    for bad in [None, Some(ids(&[])), Some(ids(&["1", "x"])), Some(ids(&["-4"]))] {
        assert!(
            matches!(parse_ids(bad.as_deref()), Err(AppError::Validation { ref field, .. }) if field == "issue_ids"),
            "{bad:?}"
        );
    }
    let too_many: Vec<String> = (1..=(MAX_ISSUES as i64 + 1)).map(|i| i.to_string()).collect();
    assert!(parse_ids(Some(&too_many)).is_err());
}

#[test]
fn states_read_in_words() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:15:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let resolved = |resolution: &str| StateColumns {
        state: "resolved".into(),
        resolution: Some(resolution.into()),
        resolved_at: Some(at),
        ..StateColumns::default()
    };
    assert_eq!(
        resolved("now").view().summary,
        "Resolved since 2026-12-07 10:15 UTC: any new event reopens it."
    );
    let mut next = resolved("next_release");
    next.resolved_current_release = Some("shop@1.0.0".into());
    assert_eq!(
        next.view().summary,
        "Resolved in the next release since 2026-12-07 10:15 UTC; none deployed yet (current: shop@1.0.0)."
    );
    next.next_release = Some("shop@1.1.0".into());
    assert!(
        next.view()
            .summary
            .starts_with("Resolved in the next release, shop@1.1.0 since")
    );
    let ignored = StateColumns {
        state: "ignored".into(),
        ignore_until_events: Some(15),
        ignore_until_users: Some(4),
        events: 10,
        users: 3,
        ..StateColumns::default()
    };
    assert_eq!(
        ignored.view().summary,
        "Ignored until 5 more events, until 1 more users."
    );
    let forever = StateColumns {
        state: "ignored".into(),
        ..StateColumns::default()
    };
    assert_eq!(forever.view().summary, "Ignored forever.");
}

#[test]
fn outcomes_say_how_many_changed() {
    let outcome = StateOutcome {
        done: "Resolved".into(),
        changed: vec![1, 2],
        unchanged: vec![3],
    };
    assert_eq!(outcome.message(), "Resolved 2 issues (1 already were).");
}
