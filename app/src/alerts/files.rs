//! Alert rules as files: what an import would do (its plan) and what it did,
//! as the import page and the CLI show them. Reading and writing the YAML
//! itself is server-only (`alerts::ssr::files`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The document's `kind`.
pub const KIND: &str = "opsdeck/alert-rules";
/// The document's `version`; a file of another version is refused.
pub const VERSION: u32 = 1;
/// The largest file an import reads.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Something wrong with an import's file: the YAML as a whole (with its line
/// and column when the parser knows them) or one rule in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileProblem {
    /// The rule's position in `rules` (from 0), when the problem is one rule's.
    pub rule: Option<usize>,
    /// That rule's name, when it has one.
    pub name: Option<String>,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// Where in the text (1-based line and column), for syntax errors.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl FileProblem {
    /// A problem with the document as a whole.
    pub fn document(message: impl Into<String>) -> Self {
        FileProblem {
            rule: None,
            name: None,
            field: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FileProblem {
    /// `rules[2] (Checkout slow): threshold: Enter a number`, or
    /// `line 4, column 7: …` for a syntax error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(index) = self.rule {
            write!(f, "rules[{index}]")?;
            if let Some(name) = &self.name {
                write!(f, " ({name})")?;
            }
            write!(f, ": ")?;
        }
        if let Some(line) = self.line {
            write!(f, "line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
            write!(f, ": ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// One field an update changes, with its values as the file writes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// What an import does with one rule of the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Change {
    Create,
    Update(Vec<FieldChange>),
    Unchanged,
}

impl Change {
    pub fn word(&self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update(_) => "update",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One rule of the file and what importing it does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedRule {
    pub name: String,
    /// The stored rule of the same name, if there is one.
    pub id: Option<i64>,
    pub change: Change,
}

/// What importing a file would do. With any problem, nothing is applied.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportPlan {
    /// The file's rules in file order (empty when the file has problems).
    pub rules: Vec<PlannedRule>,
    /// Stored rules the file does not name: `(id, name)`. Import never deletes.
    pub kept: Vec<(i64, String)>,
    pub problems: Vec<FileProblem>,
}

impl ImportPlan {
    /// How many rules the import creates, updates and leaves unchanged.
    pub fn counts(&self) -> ImportCounts {
        let count = |word: &str| self.rules.iter().filter(|r| r.change.word() == word).count();
        ImportCounts {
            created: count("create"),
            updated: count("update"),
            unchanged: count("unchanged"),
        }
    }

    /// Whether applying would change anything (and may: no problems).
    pub fn can_apply(&self) -> bool {
        let counts = self.counts();
        self.problems.is_empty() && counts.created + counts.updated > 0
    }
}

/// What an import did (or would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl fmt::Display for ImportCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// A rules file posted to the import page and what importing it would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostedImport {
    pub yaml: String,
    pub plan: ImportPlan,
}

/// Why a posted file is gone.
pub const EXPIRED: &str = "This file was posted more than an hour ago: paste or upload it again";

/// What to tell someone whose import failed (a field's name adds nothing here).
pub fn failure(error: &AppError) -> String {
    match error {
        AppError::Validation { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The import page's query after an import without JavaScript: the counts,
/// or the failure (the page shows what happened from its URL).
pub fn outcome_query(result: &Result<ImportCounts, AppError>) -> String {
    match result {
        Ok(counts) => format!(
            "created={}&updated={}&unchanged={}",
            counts.created, counts.updated, counts.unchanged
        ),
        Err(error) => format!("error={}", crate::url::percent_encode(&failure(error))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_rule_field_and_place() {
        let problem = FileProblem {
            rule: Some(2),
            name: Some("Checkout slow".into()),
            field: Some("threshold".into()),
            line: None,
            column: None,
            message: "Enter a number".into(),
        };
        assert_eq!(
            problem.to_string(),
            "rules[2] (Checkout slow): threshold: Enter a number"
        );
        let syntax = FileProblem {
            line: Some(4),
            column: Some(7),
            ..FileProblem::document("did not find expected key")
        };
        assert_eq!(syntax.to_string(), "line 4, column 7: did not find expected key");
    }
}
