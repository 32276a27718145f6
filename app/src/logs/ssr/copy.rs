//! Log lines as Postgres's binary `COPY` format (see
//! `metrics::ssr::copy` for the format): one message carries the batch.
//! `jsonb`'s binary form is a version byte (1) and the JSON text; a `NULL`
//! is a field length of -1.

use serde_json::Value;

use crate::logs::NewLogLine;

/// The statement [`log_lines`]'s bytes are sent to.
pub const COPY_LOG_LINES: &str = "COPY log_lines (ts, id, observed_ts, service, host, severity, severity_text, \
                                  body, attributes, trace_id, span_id) FROM STDIN (FORMAT binary)";

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// 2000-01-01T00:00:00Z in Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;
const JSONB_VERSION: u8 = 1;

/// `lines`, with the ids reserved for them, in binary `COPY` format for
/// [`COPY_LOG_LINES`].
pub fn log_lines(lines: &[NewLogLine], ids: &[i64]) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(SIGNATURE.len() + 10 + lines.iter().map(estimate).sum::<usize>());
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&0_i32.to_be_bytes()); // flags: no OIDs
    out.extend_from_slice(&0_i32.to_be_bytes()); // no header extension
    for (line, id) in lines.iter().zip(ids) {
        out.extend_from_slice(&11_i16.to_be_bytes());
        field(&mut out, &timestamp(line.ts).to_be_bytes());
        field(&mut out, &id.to_be_bytes());
        field(&mut out, &timestamp(line.observed_ts).to_be_bytes());
        field(&mut out, line.service.as_bytes());
        field(&mut out, line.host.as_bytes());
        field(&mut out, &line.severity.to_be_bytes());
        field(&mut out, line.severity_text.as_bytes());
        field(&mut out, line.body.as_bytes());
        jsonb(&mut out, &line.attributes)?;
        optional(&mut out, line.trace_id.as_deref());
        optional(&mut out, line.span_id.as_deref());
    }
    out.extend_from_slice(&(-1_i16).to_be_bytes());
    Ok(out)
}

fn estimate(line: &NewLogLine) -> usize {
    // Field headers and fixed-size values, plus the texts; attributes guessed.
    120 + line.service.len() + line.host.len() + line.severity_text.len() + line.body.len() + 64
}

fn field(out: &mut Vec<u8>, value: &[u8]) {
    // Checked lines are at most tens of kilobytes per field.
    let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => field(out, value.as_bytes()),
        None => out.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
}

/// Writes the length placeholder, the version byte and the JSON straight
/// into `out`, then fills the length in: no intermediate string.
fn jsonb(out: &mut Vec<u8>, value: &Value) -> Result<(), serde_json::Error> {
    let at = out.len();
    out.extend_from_slice(&0_i32.to_be_bytes());
    out.push(JSONB_VERSION);
    serde_json::to_writer(&mut *out, value)?;
    let len = i32::try_from(out.len() - at - 4).unwrap_or(i32::MAX);
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

fn timestamp(ts: chrono::DateTime<chrono::Utc>) -> i64 {
    ts.timestamp_micros() - POSTGRES_EPOCH_MICROS
}
