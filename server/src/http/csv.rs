//! CSV as every export writes it (RFC 4180, CRLF line ends), with
//! spreadsheet formulas defused.

/// One CSV record (RFC 4180, CRLF-terminated); `None` is an empty field.
pub fn write_record<'a>(out: &mut String, fields: impl IntoIterator<Item = Option<&'a str>>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, field.unwrap_or(""));
    }
    out.push_str("\r\n");
}

/// A field, quoted when it holds a comma, quote or line break (quotes doubled).
///
/// Fields a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or carriage return) get a leading `'`: user agents and emails are
/// attacker-chosen, and an audit export is exactly what gets opened in Excel.
pub fn write_field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || value.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[Option<&str>]) -> String {
        let mut out = String::new();
        write_record(&mut out, fields.iter().copied());
        out
    }

    #[test]
    fn plain_fields_are_written_as_they_are() {
        assert_eq!(record(&[Some("1"), None, Some("user.update")]), "1,,user.update\r\n");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            record(&[Some("a,b"), Some("say \"hi\""), Some("two\nlines")]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            record(&[Some(r#"{"role":"admin"}"#)]),
            "\"{\"\"role\"\":\"\"admin\"\"}\"\r\n"
        );
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(record(&[Some("=HYPERLINK(\"x\")")]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(record(&[Some("@sum"), Some("-1")]), "\"'@sum\",\"'-1\"\r\n");
    }
}
