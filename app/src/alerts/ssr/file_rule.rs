//! One entry of a rules file's `rules:` read as a [`RuleDraft`], with every
//! problem it has at once: each unknown field, each field whose value does
//! not read (wrong type, unknown word), each missing required field, and
//! every field the editor's validation refuses. A file with ten rules each
//! wrong in three places shows all thirty problems in one preview.
//!
//! Serde stops at a rule's first unreadable field, so each given field is
//! read on its own, laid over a valid stand-in rule; the fields that read
//! then make up the rule that is validated, and checks that would read a
//! stand-in are left out (`rule::reads_stand_in`).

use serde_norway::{Mapping, Value as Yaml};

use super::field_names::field_names;
use crate::alerts::files::FileProblem;
use crate::alerts::rule::{RuleDraft, reads_stand_in};
use crate::alerts::{Aggregation, Comparator, NoDataPolicy, Severity};
use crate::error::{AppError, FieldErrors};

/// Entry `index` of `rules`, read and validated.
pub fn read(index: usize, value: &Yaml) -> Result<RuleDraft, Vec<FileProblem>> {
    let name = value.get("name").and_then(Yaml::as_str).map(str::to_string);
    let problem = |field: &str, message: String| FileProblem {
        rule: Some(index),
        name: name.clone(),
        field: (!field.is_empty()).then(|| field.to_string()),
        ..FileProblem::document(message)
    };
    let Some(given) = value.as_mapping() else {
        return Err(vec![problem("", "Each rule is a mapping of field: value".into())]);
    };
    let errors = problems(given);
    if !errors.is_empty() {
        return Err(errors.0.into_iter().map(|(f, m)| problem(&f, m)).collect());
    }
    serde_norway::from_value(value.clone()).map_err(|e| vec![problem("", e.to_string())])
}

/// Every problem of the rule `given`, by field (`""`: the rule as a whole).
fn problems(given: &Mapping) -> FieldErrors {
    let known = field_names::<RuleDraft>();
    let stand_in = stand_in();
    let mut errors = FieldErrors::default();
    // The stand-in with each given field that reads put in its place.
    let mut merged = stand_in.clone();
    for (key, value) in given {
        let Some(field) = key.as_str().filter(|k| known.contains(k)) else {
            // Serde would drop unknown fields silently; a typo must not vanish.
            let field = key.as_str().map_or_else(|| format!("{key:?}"), str::to_string);
            errors.push(
                field,
                format!("Unknown field; a rule's fields are {}", known.join(", ")),
            );
            continue;
        };
        let mut probe = stand_in.clone();
        probe.insert(key.clone(), value.clone());
        match serde_norway::from_value::<RuleDraft>(Yaml::Mapping(probe)) {
            Ok(_) => {
                merged.insert(key.clone(), value.clone());
            }
            Err(error) => errors.push(field, unreadable(field, &error.to_string())),
        }
    }
    for field in known.iter().filter(|f| !given.contains_key(**f)) {
        let mut probe = stand_in.clone();
        probe.remove(*field);
        if serde_norway::from_value::<RuleDraft>(Yaml::Mapping(probe)).is_err() {
            errors.push(*field, "Required: every rule has this field");
        }
    }
    let checked = match serde_norway::from_value::<RuleDraft>(Yaml::Mapping(merged)) {
        Ok(draft) => draft.validate(),
        Err(error) => Err(AppError::validation("", error.to_string())),
    };
    if let Err(more) = checked {
        for (field, message) in FieldErrors::from(more).0 {
            if !reads_stand_in(&field, &errors) {
                errors.push(field, message);
            }
        }
    }
    errors
}

/// Why `field`'s value does not read, in the words of the rule editor where
/// serde's would be a Rust type's name.
fn unreadable(field: &str, message: &str) -> String {
    let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(message);
    let expected = message.rsplit_once(", expected ").map(|(_, expected)| expected);
    match expected {
        Some("f64" | "i64" | "u64" | "f32" | "i32" | "u32") => format!("Enter a number ({})", given(message)),
        Some("a boolean") => format!("Write true or false ({})", given(message)),
        Some("a string") => format!("Write text ({})", given(message)),
        _ => format!("Cannot be read: {message}"),
    }
}

/// What serde says it found: `string "lots"` of `invalid type: string "lots", expected f64`.
fn given(message: &str) -> &str {
    let found = message.strip_prefix("invalid type: ").unwrap_or(message);
    found.rsplit_once(", expected ").map_or(found, |(found, _)| found)
}

/// A valid rule whose optional fields are absent, as the file's fields'
/// stand-in while each is read on its own.
fn stand_in() -> Mapping {
    let draft = RuleDraft {
        name: "stand-in".into(),
        description: String::new(),
        service: "stand-in".into(),
        endpoint: None,
        metric: None,
        matchers: Default::default(),
        log_query: None,
        error_issue: None,
        aggregation: Aggregation::P95,
        window_secs: 300,
        comparator: Comparator::Gt,
        threshold: 0.0,
        recovery_threshold: None,
        for_secs: 0,
        no_data: NoDataPolicy::Keep,
        severity: Severity::Warning,
        labels: Default::default(),
        summary: String::new(),
        channels: Vec::new(),
        enabled: false,
    };
    // Only the optional fields' defaults (absent) are left out.
    match serde_norway::to_value(&draft) {
        Ok(Yaml::Mapping(mut mapping)) => {
            mapping.retain(|_, value| !value.is_null());
            mapping
        }
        _ => Mapping::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(yaml: &str) -> Vec<(String, String)> {
        let value: Yaml = serde_norway::from_str(yaml).expect("yaml");
        read(0, &value)
            .expect_err("refused")
            .into_iter()
            .map(|p| (p.field.unwrap_or_default(), p.message))
            .collect()
    }

    #[test]
    fn a_rule_with_every_field_right_reads() {
        let yaml = "name: a\nservice: s\naggregation: p95\nwindow_secs: 300\ncomparator: '>'\nthreshold: 5\nno_data: keep\nseverity: info\n";
        let value: Yaml = serde_norway::from_str(yaml).expect("yaml");
        let draft = read(0, &value).expect("valid");
        assert_eq!((draft.name.as_str(), draft.threshold), ("a", 5.0));
    }

    #[test]
    fn every_problem_of_a_rule_is_named_at_once() {
        let found = fields(
            "name: ''\nservice: s\naggregation: median\nwindow_secs: 90\ncomparator: '>'\nthreshold: lots\n\
             severity: info\nlabels: {'bad key': x}\ntreshold: 5\nchannels: ['Bad Name']\n",
        );
        let named: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        for field in [
            "name",
            "aggregation",
            "window_secs",
            "threshold",
            "no_data",
            "labels",
            "treshold",
            "channels",
        ] {
            assert!(named.contains(&field), "{field} in {found:?}");
        }
        let message = |field: &str| found.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone());
        assert_eq!(
            message("threshold").as_deref(),
            Some("Enter a number (string \"lots\")")
        );
        assert!(
            message("aggregation").is_some_and(|m| m.contains("\"median\" is not one of p50")),
            "{found:?}"
        );
        assert!(
            message("no_data").is_some_and(|m| m.starts_with("Required")),
            "{found:?}"
        );
        assert!(
            message("treshold").is_some_and(|m| m.starts_with("Unknown field")),
            "{found:?}"
        );
    }

    #[test]
    fn a_check_that_would_read_a_stand_in_is_left_out() {
        // The aggregation does not read: whether a metric belongs cannot be said.
        let found = fields(
            "name: a\nservice: s\naggregation: median\nmetric: cpu\nwindow_secs: 300\ncomparator: '>'\nthreshold: 5\nno_data: keep\nseverity: info\n",
        );
        let named: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["aggregation"]);
    }
}
