use proptest::prelude::*;
use serde_json::json;

use super::*;

fn text(t: &str) -> Term {
    Term {
        negated: false,
        condition: Condition::Text(t.into()),
    }
}

fn not(mut term: Term) -> Term {
    term.negated = true;
    term
}

fn cond(condition: Condition) -> Term {
    Term {
        negated: false,
        condition,
    }
}

fn parsed(q: &str) -> Vec<Term> {
    match Query::parse(q) {
        Ok(query) => query.terms,
        Err(e) => panic!("{q:?} did not parse: {e}"),
    }
}

fn refused(q: &str) -> String {
    match Query::parse(q) {
        Ok(query) => format!("parsed as {query:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn words_phrases_and_exclusions() {
    assert_eq!(parsed(""), vec![]);
    assert_eq!(parsed("  timeout  "), vec![text("timeout")]);
    assert_eq!(
        parsed(r#"timeout "connection reset" -healthcheck -"GET /ready""#),
        vec![
            text("timeout"),
            text("connection reset"),
            not(text("healthcheck")),
            not(text("GET /ready")),
        ]
    );
    assert_eq!(parsed(r#""say \"hi\" \\ now""#), vec![text(r#"say "hi" \ now"#)]);
    assert_eq!(parsed("12:30:01 a-b"), vec![text("12:30:01"), text("a-b")]);
    assert_eq!(parsed("--x"), vec![not(text("-x"))]);
}

#[test]
fn fields() {
    assert_eq!(
        parsed(r#"service:checkout Host:"web 1" -service:search"#),
        vec![
            cond(Condition::Service("checkout".into())),
            cond(Condition::Host("web 1".into())),
            not(cond(Condition::Service("search".into()))),
        ]
    );
    assert_eq!(
        parsed("level>=warn level:error level<info level<=debug level>trace level=fatal"),
        vec![
            cond(Condition::Level(Comparison::Ge, Level::Warn)),
            cond(Condition::Level(Comparison::Eq, Level::Error)),
            cond(Condition::Level(Comparison::Lt, Level::Info)),
            cond(Condition::Level(Comparison::Le, Level::Debug)),
            cond(Condition::Level(Comparison::Gt, Level::Trace)),
            cond(Condition::Level(Comparison::Eq, Level::Fatal)),
        ]
    );
    assert_eq!(
        parsed("trace:4BF92F3577B34DA6A3CE929D0E0E4736 attr.http.status_code:503 attr.user:\"ada l\""),
        vec![
            cond(Condition::Trace("4bf92f3577b34da6a3ce929d0e0e4736".into())),
            cond(Condition::Attr {
                key: "http.status_code".into(),
                value: "503".into()
            }),
            cond(Condition::Attr {
                key: "user".into(),
                value: "ada l".into()
            }),
        ]
    );
}

#[test]
fn errors_say_what_and_where() {
    assert_eq!(refused(r#"timeout and "unbalanced"#), "unbalanced quote at 12");
    assert_eq!(refused("a - b"), "nothing to exclude after \"-\" at 2");
    assert_eq!(
        refused("level>=loud"),
        "unknown level \"loud\" (trace, debug, info, warn, error, fatal) at 7"
    );
    assert!(
        refused("x error: boom").starts_with("unknown field \"error\""),
        "{}",
        refused("x error: boom")
    );
    assert!(refused("x error: boom").ends_with(" at 2"));
    assert_eq!(refused("trace:abc"), "a trace id is 32 hexadecimal digits at 6");
    assert_eq!(refused("service: x"), "service needs a value at 8");
    assert_eq!(refused("attr.:x"), "attr. needs a key, as in attr.user:ada at 0");
    assert_eq!(refused(r#"a ""  b"#), "an empty phrase at 2");
    assert_eq!(refused(r#""a"b"#), "a space is needed after a closing quote at 3");
    assert_eq!(
        refused(r#"ab"c"#),
        "a quote inside a word (quote the whole phrase) at 2"
    );
    assert_eq!(
        refused(&"x".repeat(MAX_QUERY_BYTES + 1)),
        format!("the query is longer than {MAX_QUERY_BYTES} bytes at {MAX_QUERY_BYTES}")
    );
    let many = vec!["w"; MAX_TERMS + 1].join(" ");
    assert_eq!(
        refused(&many),
        format!("more than {MAX_TERMS} terms at {}", MAX_TERMS * 2)
    );
    // 10,000 terms are refused by length before any is parsed.
    assert!(refused(&vec!["w"; 10_000].join(" ")).starts_with("the query is longer"));
}

#[test]
fn printing_normalises_and_keeps_the_meaning() {
    let q = Query::parse(r#"Service:checkout   LEVEL>=Warning "a b" -x attr.k:"v w" 12:30"#).expect("parses");
    assert_eq!(
        q.to_string(),
        r#"service:checkout level>=warn "a b" -x attr.k:"v w" "12:30""#
    );
}

fn line(body: &str) -> LogLine {
    LogLine {
        id: 1,
        ts: chrono::DateTime::UNIX_EPOCH,
        service: "checkout".into(),
        host: "web-1".into(),
        severity: 17,
        severity_text: "ERROR".into(),
        body: body.into(),
        attributes: json!({"http.status_code": 503, "user": "ada", "ok": false}),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
        span_id: None,
    }
}

#[test]
fn matching_a_line() {
    let l = line("Payment TIMEOUT after 30s: connection reset by peer");
    let matches = |q: &str| Query::parse(q).map(|q| q.matches(&l)).unwrap_or(false);
    assert!(matches(""));
    assert!(matches("timeout \"connection RESET\""));
    assert!(!matches("timeout -reset"));
    assert!(matches("service:checkout host:web-1 -service:search"));
    assert!(!matches("service:Checkout"), "fields are exact");
    assert!(matches("level>=warn level:error level<fatal"));
    assert!(!matches("level>error"));
    assert!(matches("trace:4BF92F3577B34DA6A3CE929D0E0E4736"));
    assert!(matches("attr.http.status_code:503 attr.user:ada attr.ok:false"));
    assert!(!matches("attr.user:Ada"));
    assert!(!matches("attr.missing:x"));
    assert!(matches("-attr.missing:x"));
    let mut unspecified = line("x");
    unspecified.severity = 0;
    assert!(Query::parse("level:info").is_ok_and(|q| q.matches(&unspecified)));
}

#[test]
fn severities_follow_level_of() {
    assert_eq!(
        Query::severities(Comparison::Ge, Level::Error),
        (17..=24).collect::<Vec<i16>>()
    );
    let info = Query::severities(Comparison::Eq, Level::Info);
    assert_eq!(info, vec![0, 9, 10, 11, 12]);
    assert!(!Query::severities(Comparison::Lt, Level::Info).contains(&0));
}

#[test]
fn highlights_mark_every_occurrence_any_case() {
    let pieces = highlight("Timeout: TIMEOUT é timeout", &["timeout", "é"]);
    let marked: Vec<&str> = pieces.iter().filter(|(_, m)| *m).map(|(t, _)| t.as_str()).collect();
    assert_eq!(marked, vec!["Timeout", "TIMEOUT", "é", "timeout"]);
    let whole: String = pieces.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(whole, "Timeout: TIMEOUT é timeout");
    assert!(highlight("", &["x"]).is_empty());
    assert_eq!(highlight("abc", &[]), vec![("abc".to_string(), false)]);
}

fn any_text() -> impl Strategy<Value = String> {
    // Awkward characters on purpose: quotes, escapes, colons, dashes, spaces, non-ASCII.
    "[a-z0-9 \"\\\\:<>=é-]{1,12}".prop_filter("not blank", |t| !t.trim().is_empty())
}

fn any_condition() -> impl Strategy<Value = Condition> {
    let level = prop::sample::select(Level::ALL.to_vec());
    let comparison = prop::sample::select(vec![
        Comparison::Eq,
        Comparison::Lt,
        Comparison::Le,
        Comparison::Gt,
        Comparison::Ge,
    ]);
    prop_oneof![
        any_text().prop_map(Condition::Text),
        any_text().prop_map(Condition::Service),
        any_text().prop_map(Condition::Host),
        (comparison, level).prop_map(|(c, l)| Condition::Level(c, l)),
        "[0-9a-f]{32}".prop_map(Condition::Trace),
        ("[a-z_.]{1,10}", any_text()).prop_map(|(key, value)| Condition::Attr { key, value }),
    ]
}

fn any_query() -> impl Strategy<Value = Query> {
    prop::collection::vec((any::<bool>(), any_condition()), 0..8).prop_map(|terms| Query {
        terms: terms
            .into_iter()
            .map(|(negated, condition)| Term { negated, condition })
            .collect(),
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_query(query in any_query()) {
        let printed = query.to_string();
        prop_assert_eq!(Query::parse(&printed), Ok(query), "printed as {}", printed);
    }

    #[test]
    fn parsing_never_panics_and_a_parsed_query_prints_back_to_itself(text in "[a-z:<>=\" \\\\.-]{0,40}") {
        if let Ok(query) = Query::parse(&text) {
            prop_assert_eq!(Query::parse(&query.to_string()), Ok(query));
        }
    }
}
