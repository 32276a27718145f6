//! The exposition's lines screened before the crate reads them (what it
//! would misread is skipped with a reason), and its labels as read.

use std::collections::{BTreeMap, HashMap};

use prometheus_parse::LineInfo;

use super::{Parsed, QUOTED_CHARS};

/// What the lines say that the crate keeps to itself, and which lines it
/// would misread.
#[derive(Default)]
pub(super) struct Screen {
    /// Each `# TYPE` line's metric name and type, as written.
    pub types: HashMap<String, String>,
    /// A `# EOF` line was seen.
    pub open_metrics: bool,
}

impl Screen {
    /// Whether the crate is given `line` (number `n`): comments, and
    /// samples it reads whole; the others are skipped with a reason.
    pub fn keeps(&mut self, line: &str, n: usize, parsed: &mut Parsed) -> bool {
        if line.is_empty() {
            return false;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            if comment.starts_with(char::is_whitespace)
                && let (Some("TYPE"), Some(name), Some(kind)) = (words.next(), words.next(), words.next())
            {
                self.types.insert(name.to_string(), kind.to_ascii_lowercase());
            }
            return true;
        }
        let why = match LineInfo::parse(line) {
            LineInfo::Sample {
                metric_name,
                labels,
                value,
                ..
            } => {
                let metric_name = clip(metric_name);
                if number(value).is_none() {
                    format!("{metric_name}: the value `{}` is not a number", clip(value))
                } else if labels.is_some_and(|labels| !readable(labels)) {
                    format!(
                        "{metric_name}: a label value holds a comma, `=` or `}}`, or ends in `\\\"`, \
                         which the parser cannot read"
                    )
                } else {
                    return true;
                }
            }
            _ => format!("line {n} is not a sample: `{}`", clip(line)),
        };
        parsed.skip(why);
        false
    }
}

/// A number as the crate reads it (Go's `NaN`, `+Inf`, `-Inf` included).
fn number(text: &str) -> Option<f64> {
    if text.eq_ignore_ascii_case("nan") {
        Some(f64::NAN)
    } else {
        text.parse().ok()
    }
}

/// Whether the crate reads `labels` (a sample's text between braces) whole:
/// it splits pairs at every `,` and `=`, and trims quotes off values.
fn readable(labels: &str) -> bool {
    labels.split(',').all(|pair| {
        let mut parts = pair.split('=');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(key), None, _) => key.trim().is_empty(),
            (Some(key), Some(value), None) => !key.trim().is_empty() && quoted(value),
            _ => false,
        }
    })
}

/// A value in quotes with no unescaped quote inside, not ending in `\"`
/// (the crate would trim that quote too).
fn quoted(value: &str) -> bool {
    let Some(inner) = value.strip_prefix('"').and_then(|value| value.strip_suffix('"')) else {
        return false;
    };
    let mut escaped = false;
    for c in inner.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return false;
        }
    }
    !escaped && !inner.ends_with('"')
}

/// The crate's labels: keys trimmed, `\\` and `\"` in values unescaped.
pub(super) fn labels_of(labels: &prometheus_parse::Labels) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(key, value)| (key.trim().to_string(), unescape(value)))
        .collect()
}

fn unescape(value: &str) -> String {
    if !value.contains('\\') {
        return value.to_string();
    }
    let mut text = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, false) => text.push(c),
            _ => match chars.next() {
                Some(escaped @ ('\\' | '"')) => text.push(escaped),
                Some(other) => text.extend(['\\', other]),
                None => text.push('\\'),
            },
        }
    }
    text
}

/// At most [`QUOTED_CHARS`] characters of `text`, on one line.
pub(super) fn clip(text: &str) -> String {
    let mut clipped: String = text
        .chars()
        .take(QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(QUOTED_CHARS).is_some() {
        clipped.push('…');
    }
    clipped
}
