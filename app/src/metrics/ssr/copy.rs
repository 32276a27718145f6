//! Raw request events as Postgres's binary `COPY` format, the cheapest way
//! to hand rows to Postgres: no text to parse, one message for the batch.
//!
//! The format (PostgreSQL docs, "COPY", "Binary Format"): a signature,
//! flags and header-extension length, then per row the field count and per
//! field its byte length and value in the type's binary send format (here
//! big-endian integers and floats, UTF-8 text, and `timestamptz` as
//! microseconds since 2000-01-01 UTC), and a `-1` trailer. Four column types
//! need no library; the integration test
//! `raw_events_read_back_exactly_as_sent_through_binary_copy` reads the rows
//! back through Postgres.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::metrics::RequestEvent;

/// The statement [`request_events`]'s bytes are sent to.
pub const COPY_REQUEST_EVENTS: &str =
    "COPY request_events (ts, service, endpoint, method, status, duration_ms) FROM STDIN (FORMAT binary)";

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// 2000-01-01T00:00:00Z in Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// `jsonb`'s binary form: this version byte, then the JSON text.
const JSONB_VERSION: u8 = 1;

/// `events` in binary `COPY` format for [`COPY_REQUEST_EVENTS`].
pub fn request_events(events: &[RequestEvent]) -> Vec<u8> {
    let mut rows = BinaryRows::with_capacity(events.len() * 96);
    for event in events {
        rows.row(6);
        rows.timestamp(event.ts);
        rows.text(&event.service);
        rows.text(&event.endpoint);
        rows.text(&event.method);
        rows.i16(event.status);
        rows.f64(event.duration_ms);
    }
    rows.finish()
}

/// Rows in binary `COPY` format, field by field: every area's `COPY`
/// (request events, log lines, spans) writes through it.
pub struct BinaryRows {
    out: Vec<u8>,
}

impl BinaryRows {
    /// The header written; `capacity` is a guess of the rows' bytes.
    pub fn with_capacity(capacity: usize) -> BinaryRows {
        let mut out = Vec::with_capacity(SIGNATURE.len() + 10 + capacity);
        out.extend_from_slice(SIGNATURE);
        out.extend_from_slice(&0_i32.to_be_bytes()); // flags: no OIDs
        out.extend_from_slice(&0_i32.to_be_bytes()); // no header extension
        BinaryRows { out }
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) {
        self.out.extend_from_slice(&fields.to_be_bytes());
    }

    fn field(&mut self, value: &[u8]) {
        // Checked fields are at most tens of kilobytes.
        let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(value);
    }

    pub fn null(&mut self) {
        self.out.extend_from_slice(&(-1_i32).to_be_bytes());
    }

    pub fn text(&mut self, value: &str) {
        self.field(value.as_bytes());
    }

    pub fn optional_text(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub fn i16(&mut self, value: i16) {
        self.field(&value.to_be_bytes());
    }

    pub fn optional_i16(&mut self, value: Option<i16>) {
        match value {
            Some(value) => self.i16(value),
            None => self.null(),
        }
    }

    pub fn i64(&mut self, value: i64) {
        self.field(&value.to_be_bytes());
    }

    pub fn f64(&mut self, value: f64) {
        self.field(&value.to_be_bytes());
    }

    /// `timestamptz`: microseconds since 2000-01-01 UTC.
    pub fn timestamp(&mut self, ts: DateTime<Utc>) {
        self.i64(ts.timestamp_micros() - POSTGRES_EPOCH_MICROS);
    }

    /// Writes the length placeholder, the version byte and the JSON straight
    /// into the buffer, then fills the length in: no intermediate string.
    pub fn jsonb(&mut self, value: &serde_json::Value) -> Result<(), serde_json::Error> {
        let at = self.out.len();
        self.out.extend_from_slice(&0_i32.to_be_bytes());
        self.out.push(JSONB_VERSION);
        serde_json::to_writer(&mut self.out, value)?;
        let len = i32::try_from(self.out.len() - at - 4).unwrap_or(i32::MAX);
        self.out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// The bytes, with the trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&(-1_i16).to_be_bytes());
        self.out
    }
}

/// Copies `events` into `request_events` (inside the caller's transaction).
pub async fn copy_request_events(conn: &mut PgConnection, events: &[RequestEvent]) -> sqlx::Result<()> {
    send(conn, COPY_REQUEST_EVENTS, &request_events(events)).await
}

/// Runs one `COPY … FROM STDIN` with `data` as its whole input.
pub async fn send(conn: &mut PgConnection, statement: &str, data: &[u8]) -> sqlx::Result<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    if let Err(error) = copy.send(data).await {
        // Ends the COPY so the connection is usable again; the error is the one to report.
        let _ = copy.abort(error.to_string()).await;
        return Err(error);
    }
    copy.finish().await?;
    Ok(())
}
