//! Alert rules as YAML files: the document written by an export and read by
//! an import, and the plan an import follows.
//!
//! A file is `kind: opsdeck/alert-rules`, `version: 1` and `rules:`, each
//! rule in [`RuleDraft`]'s own serde shape, sorted by name, so exporting
//! unchanged rules gives the same bytes and a diff in version control shows
//! only what people changed. Nothing here lists the draft's fields: unknown
//! ones are found by comparing a rule's keys with the names the draft's
//! derived `Deserialize` reads, and an update's changed fields by comparing
//! the two drafts' JSON objects.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use serde_norway::Value as Yaml;

use super::file_rule;
use crate::alerts::files::{Change, FieldChange, FileProblem, ImportPlan, KIND, MAX_BYTES, PlannedRule, VERSION};
use crate::alerts::notify::is_channel_name;
use crate::alerts::rule::{Rule, RuleDraft};
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
fn checked(text: &str, channels: Option<&[String]>) -> Result<Vec<RuleDraft>, Vec<FileProblem>> {
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

fn json(draft: &RuleDraft) -> serde_json::Map<String, Json> {
    match serde_json::to_value(draft) {
        Ok(Json::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// The field names `T`'s derived `Deserialize` reads: serde hands them to
/// `deserialize_struct`, where a deserializer that reads nothing notes them.
pub fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

struct FieldNames<'a>(&'a mut &'static [&'static str]);

/// Ends a [`FieldNames`] pass once the names are known.
#[derive(Debug)]
struct Noted;

impl std::fmt::Display for Noted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names noted")
    }
}

impl std::error::Error for Noted {}

impl serde::de::Error for Noted {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Noted
    }
}

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = Noted;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Noted> {
        Err(Noted)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Noted> {
        *self.0 = fields;
        Err(Noted)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// What importing `text` over the `stored` rules would do, with the drafts
/// to save (one per planned rule, in the same order). `channels` are the
/// notification channels that exist (a rule may name only those).
pub fn plan(text: &str, stored: &[Rule], channels: &[String]) -> (ImportPlan, Vec<RuleDraft>) {
    let drafts = match checked(text, Some(channels)) {
        Ok(drafts) => drafts,
        Err(problems) => {
            return (
                ImportPlan {
                    problems,
                    ..ImportPlan::default()
                },
                Vec::new(),
            );
        }
    };
    let by_name: BTreeMap<&str, &Rule> = stored.iter().map(|r| (r.draft.name.as_str(), r)).collect();
    let rules = drafts
        .iter()
        .map(|draft| match by_name.get(draft.name.as_str()) {
            None => PlannedRule {
                name: draft.name.clone(),
                id: None,
                change: Change::Create,
            },
            Some(rule) => {
                let changes = changes(&rule.draft, draft);
                PlannedRule {
                    name: draft.name.clone(),
                    id: Some(rule.id),
                    change: if changes.is_empty() {
                        Change::Unchanged
                    } else {
                        Change::Update(changes)
                    },
                }
            }
        })
        .collect();
    let named: BTreeSet<&str> = drafts.iter().map(|d| d.name.as_str()).collect();
    let kept = stored
        .iter()
        .filter(|r| !named.contains(r.draft.name.as_str()))
        .map(|r| (r.id, r.draft.name.clone()))
        .collect();
    (
        ImportPlan {
            rules,
            kept,
            problems: Vec::new(),
        },
        drafts,
    )
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

/// The fields whose values differ, by name, with old and new values.
pub fn changes(old: &RuleDraft, new: &RuleDraft) -> Vec<FieldChange> {
    let (old, new) = (json(old), json(new));
    let fields: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    fields
        .into_iter()
        .filter(|field| old.get(*field) != new.get(*field))
        .map(|field| FieldChange {
            field: field.clone(),
            old: shown(old.get(field)),
            new: shown(new.get(field)),
        })
        .collect()
}

/// A value as the file writes it (text without quotes; `none` for null).
fn shown(value: Option<&Json>) -> String {
    match value {
        None | Some(Json::Null) => "none".to_string(),
        Some(Json::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn draft(name: &str) -> RuleDraft {
        RuleDraft {
            name: name.into(),
            description: "Checkout is slow: look at the database # first".into(),
            endpoint: Some("/pay".into()),
            summary: "P95 {{value}} ms".into(),
            ..crate::alerts::rule::tests::draft()
        }
    }

    fn stored(id: i64, draft: RuleDraft) -> Rule {
        Rule {
            id,
            version: 1,
            draft,
            updated_at: chrono::Utc::now(),
            state: None,
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
    fn a_rule_may_only_name_channels_that_exist() {
        let text = render(&[draft("a")]).expect("renders");
        let (plan, drafts) = plan(&text, &[], &[]);
        assert!(drafts.is_empty());
        let found: Vec<String> = plan.problems.iter().map(ToString::to_string).collect();
        assert_eq!(found, vec!["rules[0] (a): channels: No notification channel named ops"]);
    }

    #[test]
    fn unknown_channels_are_reported_with_every_other_problem() {
        let mut bad = draft("bad");
        bad.window_secs = 90;
        bad.threshold = f64::NAN;
        bad.channels = vec!["nosuch".into(), "ops".into()];
        let text = render(&[draft("a"), bad]).expect("renders");
        let (plan, drafts) = plan(&text, &[], &["ops".to_string()]);
        assert!(drafts.is_empty());
        let found: Vec<String> = plan.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "rules[1] (bad): window_secs: A whole number of minutes from 1 minute to 24 hours",
                "rules[1] (bad): threshold: Enter a number",
                "rules[1] (bad): channels: No notification channel named nosuch",
            ]
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
    fn the_plan_creates_updates_and_keeps() {
        let mut changed = draft("changed");
        let stored_rules = vec![
            stored(1, draft("same")),
            stored(2, changed.clone()),
            stored(3, draft("absent")),
        ];
        changed.threshold = 750.0;
        changed.endpoint = None;
        let text = render(&[draft("same"), changed, draft("new")]).expect("renders");
        let ops = ["ops".to_string()];
        let (plan, drafts) = plan(&text, &stored_rules, &ops);
        assert!(plan.problems.is_empty());
        assert_eq!(drafts.len(), 3);
        let words: Vec<(&str, &str)> = plan.rules.iter().map(|r| (r.name.as_str(), r.change.word())).collect();
        assert_eq!(
            words,
            vec![("changed", "update"), ("new", "create"), ("same", "unchanged")]
        );
        let Change::Update(fields) = &plan.rules[0].change else {
            panic!("an update")
        };
        assert_eq!(
            fields,
            &vec![
                FieldChange {
                    field: "endpoint".into(),
                    old: "/pay".into(),
                    new: "none".into()
                },
                FieldChange {
                    field: "threshold".into(),
                    old: "500.0".into(),
                    new: "750.0".into()
                },
            ]
        );
        assert_eq!(plan.kept, vec![(3, "absent".to_string())]);
        assert!(plan.can_apply());
    }
}
