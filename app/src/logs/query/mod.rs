//! The Logs page's query language, shared by the server (search, live tail)
//! and the browser (highlights):
//!
//! ```text
//! timeout "connection reset"     words and phrases, all required (case-insensitive substring of the body)
//! -healthcheck -"GET /ready"     excluded
//! service:checkout host:web-1    exactly this service / host
//! level>=warn level:error        the level (also >, <, <=, =)
//! trace:4bf92f3577b34da6a3ce929d0e0e4736
//! attr.http.status_code:503      a top-level attribute equals the value
//! ```
//!
//! Every term may be excluded with `-`; values may be quoted
//! (`service:"a b"`). [`Query`] prints back as text that parses to the same
//! query (`Display`), which is what the page's URL holds. [`Query::matches`]
//! is the same rule as the SQL built from it (`ssr::search`), for the live
//! tail. Errors carry the byte position they refer to.

mod parse;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use super::{Level, LogLine};

/// Longest accepted query, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Most terms in one query (each is a condition on every line searched).
pub const MAX_TERMS: usize = 32;

/// A parsed query: every term must hold for a line to match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// One condition, possibly excluded (`-`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub negated: bool,
    pub condition: Condition,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// A word or phrase the body contains, any case.
    Text(String),
    Service(String),
    Host(String),
    Level(Comparison, Level),
    /// 32 lowercase hex digits.
    Trace(String),
    /// A top-level attribute whose value (as text) equals this one.
    Attr {
        key: String,
        value: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Eq => ":",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }

    pub fn holds(self, left: Level, right: Level) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Lt => left < right,
            Comparison::Le => left <= right,
            Comparison::Gt => left > right,
            Comparison::Ge => left >= right,
        }
    }
}

/// Why a query was refused, and where (a byte offset into it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.message, self.position)
    }
}

impl std::error::Error for QueryError {}

impl Query {
    /// Parses the text typed in the query box (blank: every line).
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        parse::parse(text)
    }

    /// This query restricted to `service`'s lines (a log alert rule's).
    pub fn in_service(mut self, service: &str) -> Query {
        let term = Term {
            negated: false,
            condition: Condition::Service(service.to_string()),
        };
        self.terms.insert(0, term);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The words and phrases a shown line highlights (the required ones).
    pub fn highlights(&self) -> Vec<&str> {
        self.terms
            .iter()
            .filter(|term| !term.negated)
            .filter_map(|term| match &term.condition {
                Condition::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether `line` matches, by the same rule as the SQL search.
    pub fn matches(&self, line: &LogLine) -> bool {
        self.terms.iter().all(|term| term.condition.holds(line) != term.negated)
    }

    /// The severity numbers (0–24) a level condition admits: `Level::of`
    /// decides, so 0 (unspecified) counts as info here and in SQL.
    pub fn severities(comparison: Comparison, level: Level) -> Vec<i16> {
        (0..=24)
            .filter(|severity| comparison.holds(Level::of(*severity), level))
            .collect()
    }
}

impl Condition {
    fn holds(&self, line: &LogLine) -> bool {
        match self {
            Condition::Text(text) => contains_any_case(&line.body, text),
            Condition::Service(service) => line.service == *service,
            Condition::Host(host) => line.host == *host,
            Condition::Level(comparison, level) => comparison.holds(line.level(), *level),
            Condition::Trace(trace) => line.trace_id.as_deref() == Some(trace.as_str()),
            Condition::Attr { key, value } => line
                .attributes
                .get(key)
                .is_some_and(|found| attribute_text(found) == *value),
        }
    }
}

/// An attribute's value as `attributes ->> key` gives it: a string's text,
/// anything else its JSON.
pub fn attribute_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Case-insensitive substring, as `ILIKE '%…%'` reads it.
fn contains_any_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, term) in self.terms.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        match &self.condition {
            Condition::Text(text) => f.write_str(&quoted_if_needed(text)),
            Condition::Service(value) => write!(f, "service:{}", quoted_if_needed(value)),
            Condition::Host(value) => write!(f, "host:{}", quoted_if_needed(value)),
            Condition::Level(comparison, level) => write!(f, "level{}{}", comparison.as_str(), level.as_str()),
            Condition::Trace(trace) => write!(f, "trace:{trace}"),
            Condition::Attr { key, value } => write!(f, "attr.{key}:{}", quoted_if_needed(value)),
        }
    }
}

/// Text as it may stand bare, or in quotes with `"` and `\` escaped.
fn quoted_if_needed(text: &str) -> String {
    let bare = !text.is_empty()
        && !text.starts_with('-')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | ':' | '<' | '>' | '='));
    if bare {
        return text.to_string();
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// `body` cut into pieces, each marked when it is one of `words` (ASCII
/// case-insensitive, so byte offsets stay put), for `<mark>`.
pub fn highlight(body: &str, words: &[&str]) -> Vec<(String, bool)> {
    if body.is_empty() {
        return Vec::new();
    }
    let lower = body.to_ascii_lowercase();
    let mut marked = vec![false; body.len()];
    for word in words.iter().filter(|w| !w.is_empty()) {
        let word = word.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = lower.get(from..).and_then(|rest| rest.find(&word)) {
            let start = from + found;
            marked[start..start + word.len()].iter_mut().for_each(|m| *m = true);
            from = start + word.len().max(1);
        }
    }
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut start = 0;
    for (index, _) in body.char_indices().skip(1).chain(std::iter::once((body.len(), ' '))) {
        if index == body.len() || marked[index] != marked[start] {
            if let Some(text) = body.get(start..index) {
                pieces.push((text.to_string(), marked[start]));
            }
            start = index;
        }
    }
    pieces
}
