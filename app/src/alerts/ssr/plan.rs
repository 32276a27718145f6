//! What importing a rules file would do over the stored rules: which rules
//! it creates, which it updates (each changed field with its old and new
//! value, found by comparing the two drafts' JSON objects) and which it
//! leaves alone.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::files::checked;
use crate::alerts::files::{Change, FieldChange, ImportPlan, PlannedRule};
use crate::alerts::rule::{Rule, RuleDraft};

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

fn json(draft: &RuleDraft) -> serde_json::Map<String, Json> {
    match serde_json::to_value(draft) {
        Ok(Json::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::ssr::files::render;
    use crate::alerts::ssr::files::tests::draft;

    fn stored(id: i64, draft: RuleDraft) -> Rule {
        Rule {
            id,
            version: 1,
            draft,
            updated_at: chrono::Utc::now(),
            state: None,
        }
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
