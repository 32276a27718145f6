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

/// `events` in binary `COPY` format for [`COPY_REQUEST_EVENTS`].
pub fn request_events(events: &[RequestEvent]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNATURE.len() + 10 + events.len() * 96);
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&0_i32.to_be_bytes()); // flags: no OIDs
    out.extend_from_slice(&0_i32.to_be_bytes()); // no header extension
    for event in events {
        out.extend_from_slice(&6_i16.to_be_bytes());
        field(&mut out, &timestamp(event.ts).to_be_bytes());
        field(&mut out, event.service.as_bytes());
        field(&mut out, event.endpoint.as_bytes());
        field(&mut out, event.method.as_bytes());
        field(&mut out, &event.status.to_be_bytes());
        field(&mut out, &event.duration_ms.to_be_bytes());
    }
    out.extend_from_slice(&(-1_i16).to_be_bytes());
    out
}

fn field(out: &mut Vec<u8>, value: &[u8]) {
    // Validated fields are at most a few hundred bytes.
    let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
}

fn timestamp(ts: DateTime<Utc>) -> i64 {
    ts.timestamp_micros() - POSTGRES_EPOCH_MICROS
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
