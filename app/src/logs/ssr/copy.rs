//! Log lines as Postgres's binary `COPY` format (see
//! `metrics::ssr::copy` for the format): one message carries the batch.
//! `jsonb`'s binary form is a version byte (1) and the JSON text; a `NULL`
//! is a field length of -1.

use crate::logs::NewLogLine;
use crate::metrics::ssr::copy::BinaryRows;

/// The statement [`log_lines`]'s bytes are sent to.
pub const COPY_LOG_LINES: &str = "COPY log_lines (ts, id, observed_ts, service, host, severity, severity_text, \
                                  body, attributes, trace_id, span_id) FROM STDIN (FORMAT binary)";

/// `lines`, with the ids reserved for them, in binary `COPY` format for
/// [`COPY_LOG_LINES`].
pub fn log_lines(lines: &[NewLogLine], ids: &[i64]) -> Result<Vec<u8>, serde_json::Error> {
    let mut rows = BinaryRows::with_capacity(lines.iter().map(estimate).sum::<usize>());
    for (line, id) in lines.iter().zip(ids) {
        rows.row(11);
        rows.timestamp(line.ts);
        rows.i64(*id);
        rows.timestamp(line.observed_ts);
        rows.text(&line.service);
        rows.text(&line.host);
        rows.i16(line.severity);
        rows.text(&line.severity_text);
        rows.text(&line.body);
        rows.jsonb(&line.attributes)?;
        rows.optional_text(line.trace_id.as_deref());
        rows.optional_text(line.span_id.as_deref());
    }
    Ok(rows.finish())
}

fn estimate(line: &NewLogLine) -> usize {
    // Field headers and fixed-size values, plus the texts; attributes guessed.
    120 + line.service.len() + line.host.len() + line.severity_text.len() + line.body.len() + 64
}
