//! Alert rules as YAML files: the document an export writes and an import
//! reads (`plan.rs` says what importing one would do).
//!
//! A file is `kind: opsdeck/alert-rules`, `version: 1` and `rules:`, each
//! rule in [`RuleDraft`]'s own serde shape, sorted by name, so exporting
//! unchanged rules gives the same bytes and a diff in version control shows
//! only what people changed. Nothing here lists the draft's fields: unknown
//! ones are found by comparing a rule's keys with the names the draft's
//! derived `Deserialize` reads (`file_rule.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_norway::Value as Yaml;

use super::file_rule;
use crate::alerts::files::{FileProblem, KIND, MAX_BYTES, VERSION};
use crate::alerts::notify::is_channel_name;
use crate::alerts::rule::RuleDraft;
use crate::error::AppError;

/// The first lines of every exported file.
const HEADER: &str = "# Opsdeck alert rules. Edit, then import on /alerts/rules/import or with\n\
                      # `opsdeck alert-rules import --file FILE`. Import creates and updates rules\n\
                      # matched by name; it never deletes one.\n";

#[derive(Serialize)]
struct Document<'a> {
    kind: &'a str,
    version: u32,
    rules: Vec<&'a RuleDraft>,
}

/// A document as read, before its rules are checked one by one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Incoming {
    kind: String,
    version: u32,
    #[serde(default)]
    rules: Vec<Yaml>,
}

/// The YAML document for `rules`, sorted by name.
pub fn render(rules: &[RuleDraft]) -> Result<String, AppError> {
    let mut sorted: Vec<&RuleDraft> = rules.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let document = Document {
        kind: KIND,
        version: VERSION,
        rules: sorted,
    };
    let yaml = serde_norway::to_string(&document).map_err(|e| AppError::internal("alerts: render yaml", e))?;
    Ok(format!("{HEADER}{yaml}"))
}

/// The file's rules, each checked as the editor checks one; every problem
/// found (syntax, the document's shape, every problem of each failing rule,
/// repeated names).
pub fn parse(text: &str) -> Result<Vec<RuleDraft>, Vec<FileProblem>> {
    checked(text, None)
}

/// [`parse`], and when `channels` are given, every rule's channel that is
/// not one of them (reported with the rules' other problems).
pub(super) fn checked(text: &str, channels: Option<&[String]>) -> Result<Vec<RuleDraft>, Vec<FileProblem>> {
    if text.len() > MAX_BYTES {
        return Err(vec![FileProblem::document(format!(
            "The file is larger than {} KiB",
            MAX_BYTES / 1024
        ))]);
    }
    if text.trim().is_empty() {
        return Err(vec![FileProblem::document("The file is empty")]);
    }
    let incoming: Incoming = serde_norway::from_str(text).map_err(|e| vec![syntax(&e)])?;
    let mut problems = Vec::new();
    if incoming.kind != KIND {
        problems.push(FileProblem {
            field: Some("kind".into()),
            ..FileProblem::document(format!("Expected {KIND}, found {:?}", incoming.kind))
        });
    }
    if incoming.version != VERSION {
        problems.push(FileProblem {
            field: Some("version".into()),
            ..FileProblem::document(format!(
                "This Opsdeck reads version {VERSION} files, not version {}",
                incoming.version
            ))
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut drafts = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, value) in incoming.rules.iter().enumerate() {
        match file_rule::read(index, value) {
            Ok(draft) => {
                if let Some(first) = seen.get(&draft.name) {
                    problems.push(FileProblem {
                        rule: Some(index),
                        name: Some(draft.name.clone()),
                        field: Some("name".into()),
                        ..FileProblem::document(format!("rules[{first}] has this name too; names must be unique"))
                    });
                } else {
                    seen.insert(draft.name.clone(), index);
                }
                drafts.push(draft);
            }
            Err(found) => problems.extend(found),
        }
        if let Some(channels) = channels {
            problems.extend(unknown_channels(index, value, channels));
        }
    }
    if problems.is_empty() { Ok(drafts) } else { Err(problems) }
}

/// A YAML error with its place, the place not repeated in the message.
fn syntax(error: &serde_norway::Error) -> FileProblem {
    let text = error.to_string();
    let message = match text.find(" at line ") {
        Some(at) if error.location().is_some() => text[..at].to_string(),
        _ => text,
    };
    FileProblem {
        line: error.location().map(|l| l.line()),
        column: error.location().map(|l| l.column()),
        ..FileProblem::document(message)
    }
}

/// A problem for each channel rule `index` names that does not exist (read
/// from the file, so a rule with other problems is told this too; a name
/// that is no channel name at all is validation's to report).
fn unknown_channels(index: usize, rule: &Yaml, channels: &[String]) -> Vec<FileProblem> {
    let named = rule.get("channels").and_then(Yaml::as_sequence);
    named
        .into_iter()
        .flatten()
        .filter_map(Yaml::as_str)
        .filter(|name| is_channel_name(name) && !channels.iter().any(|c| c == name))
        .map(|name| FileProblem {
            rule: Some(index),
            name: rule.get("name").and_then(Yaml::as_str).map(str::to_string),
            field: Some("channels".into()),
            ..FileProblem::document(format!("No notification channel named {name}"))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn draft(name: &str) -> RuleDraft {
        RuleDraft {
            name: name.into(),
            description: "Checkout is slow: look at the database # first".into(),
            endpoint: Some("/pay".into()),
            summary: "P95 {{value}} ms".into(),
            ..crate::alerts::rule::tests::draft()
        }
    }

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_file_round_trips_sorted_by_name_and_byte_for_byte() {
        let rules = vec![draft("b slow"), draft("a slow")];
        let text = render(&rules).expect("renders");
        assert!(
            text.contains("kind: opsdeck/alert-rules\nversion: 1\nrules:\n"),
            "{text}"
        );
        assert!(text.find("name: a slow") < text.find("name: b slow"), "{text}");
        let back = parse(&text).expect("parses");
        assert_eq!(back, vec![draft("a slow"), draft("b slow")]);
        assert_eq!(render(&back).expect("renders again"), text);
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let text = "kind: opsdeck/alert-rules\nversion: 1\nrules:\n  - name: [unclosed\n";
        let problems = parse(text).expect_err("refused");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].line.is_some(), "{problems:?}");
        assert!(problems[0].to_string().starts_with("line "), "{problems:?}");
        assert!(!problems[0].message.contains(" at line "), "{problems:?}");
    }

    #[test]
    fn unknown_keys_are_refused_not_dropped() {
        let text = render(&[draft("a")]).expect("renders");
        let top = problems(&text.replace("version: 1\n", "version: 1\nowner: me\n"));
        assert!(top[0].contains("unknown field `owner`"), "{top:?}");
        let field = problems(&text.replace("  threshold: 500.0\n", "  threshold: 500.0\n  treshold: 5\n"));
        assert_eq!(field.len(), 1);
        assert!(
            field[0].starts_with("rules[0] (a): treshold: Unknown field"),
            "{field:?}"
        );
    }

    #[test]
    fn every_failing_rule_is_reported_with_index_name_and_field() {
        let mut bad_window = draft("window");
        bad_window.window_secs = 90;
        let mut bad_metric = draft("metric");
        bad_metric.metric = Some("cpu".into());
        let text = render(&[draft("fine"), bad_window, bad_metric, draft("fine")]).expect("renders");
        let found = problems(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found.iter().any(|p| p.starts_with("rules[2] (metric): metric: ")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.starts_with("rules[3] (window): window_secs: ")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("(fine): name: rules[0] has this name too")),
            "{found:?}"
        );
    }

    #[test]
    fn the_wrong_kind_or_version_is_refused() {
        let text = render(&[draft("a")]).expect("renders");
        assert!(problems(&text.replace("version: 1", "version: 2"))[0].starts_with("version: "));
        assert!(problems(&text.replace("kind: opsdeck/alert-rules", "kind: other"))[0].starts_with("kind: "));
        assert_eq!(problems("  \n"), vec!["The file is empty"]);
    }

    #[test]
    fn a_log_rule_round_trips_with_its_query_and_a_bad_query_names_its_position() {
        let heartbeat = RuleDraft {
            endpoint: None,
            log_query: Some(r#"level>=info "heartbeat ok" -attr.env:test"#.into()),
            aggregation: crate::alerts::Aggregation::LogLines,
            comparator: crate::alerts::Comparator::Lt,
            threshold: 1.0,
            recovery_threshold: None,
            ..draft("heartbeat")
        };
        let text = render(&[heartbeat.clone(), draft("p95")]).expect("renders");
        assert!(text.contains("aggregation: log_lines\n"), "{text}");
        assert_eq!(
            text.matches("log_query:").count(),
            1,
            "only the log rule has one: {text}"
        );
        assert_eq!(parse(&text).expect("parses"), vec![heartbeat.clone(), draft("p95")]);
        let bad = RuleDraft {
            log_query: Some(r#"level>=info "open"#.into()),
            ..heartbeat
        };
        let found = problems(&render(&[bad]).expect("renders"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("rules[0] (heartbeat): log_query: This query cannot be read: unbalanced quote at 12"),
            "{found:?}"
        );
    }
}
