//! The query's parser: one pass over the text, terms separated by
//! whitespace, each error at the byte where it was found.

use super::{Comparison, Condition, MAX_QUERY_BYTES, MAX_TERMS, Query, QueryError, Term};
use crate::logs::Level;

const FIELDS_HINT: &str = "fields are service, host, level, trace and attr.<key>; put text with a colon in quotes";

fn error(position: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position,
        message: message.into(),
    }
}

pub(super) fn parse(text: &str) -> Result<Query, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(error(
            MAX_QUERY_BYTES,
            format!("the query is longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    let mut cursor = Cursor { text, at: 0 };
    let mut terms = Vec::new();
    loop {
        cursor.skip_whitespace();
        if cursor.done() {
            return Ok(Query { terms });
        }
        if terms.len() == MAX_TERMS {
            return Err(error(cursor.at, format!("more than {MAX_TERMS} terms")));
        }
        terms.push(cursor.term()?);
    }
}

struct Cursor<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn done(&self) -> bool {
        self.at >= self.text.len()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn at_term_end(&self) -> bool {
        self.peek().is_none_or(char::is_whitespace)
    }

    fn term(&mut self) -> Result<Term, QueryError> {
        let start = self.at;
        let negated = self.peek() == Some('-');
        if negated {
            self.bump();
            if self.at_term_end() {
                return Err(error(start, "nothing to exclude after \"-\""));
            }
        }
        let condition = self.condition()?;
        Ok(Term { negated, condition })
    }

    fn condition(&mut self) -> Result<Condition, QueryError> {
        let start = self.at;
        if self.peek() == Some('"') {
            return Ok(Condition::Text(self.value("a phrase")?));
        }
        let rest = self.rest();
        let lower_head: String = rest.chars().take(6).collect::<String>().to_ascii_lowercase();
        if lower_head.starts_with("level") && rest[5..].starts_with([':', '=', '<', '>']) {
            self.at += 5;
            return self.level();
        }
        // A field is a name before the first colon of the token.
        let token_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if let Some(colon) = rest[..token_end]
            .find(':')
            .filter(|colon| !rest[..*colon].contains('"'))
        {
            let name = &rest[..colon];
            let lower = name.to_ascii_lowercase();
            self.at += colon + 1;
            let value_at = self.at;
            let condition = match lower.as_str() {
                "service" => Condition::Service(self.value("service")?),
                "host" => Condition::Host(self.value("host")?),
                "trace" => Condition::Trace(trace_id(&self.value("trace")?, value_at)?),
                _ if lower.starts_with("attr.") => {
                    let key = &name[5..];
                    if key.is_empty() {
                        return Err(error(start, "attr. needs a key, as in attr.user:ada"));
                    }
                    Condition::Attr {
                        key: key.to_string(),
                        value: self.value("the attribute")?,
                    }
                }
                _ if is_identifier(name) => {
                    return Err(error(start, format!("unknown field \"{name}\" ({FIELDS_HINT})")));
                }
                _ => {
                    self.at = start;
                    return Ok(Condition::Text(self.word()?));
                }
            };
            return Ok(condition);
        }
        Ok(Condition::Text(self.word()?))
    }

    fn level(&mut self) -> Result<Condition, QueryError> {
        let comparison = match self.bump() {
            Some(':' | '=') => Comparison::Eq,
            Some('<') if self.peek() == Some('=') => {
                self.bump();
                Comparison::Le
            }
            Some('<') => Comparison::Lt,
            Some('>') if self.peek() == Some('=') => {
                self.bump();
                Comparison::Ge
            }
            _ => Comparison::Gt,
        };
        let value_at = self.at;
        let name = self.value("level")?;
        let level = Level::parse(&name).ok_or_else(|| {
            error(
                value_at,
                format!("unknown level \"{name}\" (trace, debug, info, warn, error, fatal)"),
            )
        })?;
        Ok(Condition::Level(comparison, level))
    }

    /// A field's value or a phrase: quoted, or bare up to the next whitespace.
    fn value(&mut self, what: &str) -> Result<String, QueryError> {
        let start = self.at;
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.word()?
        };
        if value.is_empty() {
            return Err(error(start, format!("{what} needs a value")));
        }
        Ok(value)
    }

    /// Bare text up to the next whitespace (no quotes inside).
    fn word(&mut self) -> Result<String, QueryError> {
        let start = self.at;
        while !self.at_term_end() {
            let at = self.at;
            if self.bump() == Some('"') {
                return Err(error(at, "a quote inside a word (quote the whole phrase)"));
            }
        }
        Ok(self.text[start..self.at].to_string())
    }

    /// `"…"` with `\"` and `\\`; the closing quote must end the term.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let open = self.at;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(error(open, "unbalanced quote")),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some(c @ ('"' | '\\')) => text.push(c),
                    Some(c) => {
                        text.push('\\');
                        text.push(c);
                    }
                    None => return Err(error(open, "unbalanced quote")),
                },
                Some(c) => text.push(c),
            }
        }
        if !self.at_term_end() {
            return Err(error(self.at, "a space is needed after a closing quote"));
        }
        if text.is_empty() {
            return Err(error(open, "an empty phrase"));
        }
        Ok(text)
    }
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn trace_id(value: &str, at: usize) -> Result<String, QueryError> {
    if value.len() == 32 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(error(at, "a trace id is 32 hexadecimal digits"))
    }
}
