//! A readable before/after comparison of an audit entry's snapshots.

use serde_json::Value;

/// One field of the snapshot: its value before and after (None: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl DiffRow {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The fields of `before` and `after`, sorted by name.
///
/// Objects are compared key by key at the top level (nested values are shown
/// as compact JSON); any other snapshot is shown as a single `value` row.
pub fn diff_rows(before: Option<&Value>, after: Option<&Value>) -> Vec<DiffRow> {
    let fields = |value: Option<&Value>| -> Vec<(String, String)> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), show(v))).collect(),
            Some(other) => vec![("value".to_string(), show(other))],
        }
    };
    let before = fields(before);
    let after = fields(after);
    let mut keys: Vec<&String> = before.iter().chain(after.iter()).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    let find = |list: &[(String, String)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    keys.into_iter()
        .map(|key| DiffRow {
            key: key.clone(),
            before: find(&before, key),
            after: find(&after, key),
        })
        .collect()
}

/// Strings without their JSON quotes; everything else as compact JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changed_added_and_removed_keys_are_marked() {
        let before = json!({ "role": "viewer", "disabled": false, "team": "ops" });
        let after = json!({ "role": "operator", "disabled": false, "email": "a@example.com" });
        let rows = diff_rows(Some(&before), Some(&after));
        let summary: Vec<(&str, Option<&str>, Option<&str>, bool)> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.before.as_deref(), r.after.as_deref(), r.changed()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("disabled", Some("false"), Some("false"), false),
                ("email", None, Some("a@example.com"), true),
                ("role", Some("viewer"), Some("operator"), true),
                ("team", Some("ops"), None, true),
            ]
        );
    }

    #[test]
    fn a_creation_has_only_after_values_and_scalars_get_one_row() {
        let rows = diff_rows(None, Some(&json!({ "name": "x" })));
        assert_eq!(
            rows,
            vec![DiffRow {
                key: "name".into(),
                before: None,
                after: Some("x".into())
            }]
        );
        let rows = diff_rows(Some(&json!(1)), Some(&json!([1, 2])));
        assert_eq!(
            rows,
            vec![DiffRow {
                key: "value".into(),
                before: Some("1".into()),
                after: Some("[1,2]".into())
            }]
        );
        assert!(diff_rows(None, None).is_empty());
    }
}
