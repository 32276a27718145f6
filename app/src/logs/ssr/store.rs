//! Storing a batch of checked lines: one transaction, ids reserved from the
//! table's sequence, the rows sent as one binary `COPY` ([`super::copy`]).
//! With an `Idempotency-Key`, it is claimed in the same transaction first
//! ([`crate::ingest_batches`]), so a batch is stored at most once. The answer
//! is given only after the commit.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::{copy, partitions};
use crate::ingest_batches::{self, Claim};
use crate::logs::{LogLine, NewLogLine};

#[derive(Debug)]
pub enum Stored {
    /// Committed now; the lines with their ids.
    Committed(Vec<LogLine>),
    /// The same key's batch was committed before, with this many lines.
    Duplicate { accepted: usize },
}

/// Stores `lines` in one transaction (claiming `claim` first, if given).
#[tracing::instrument(skip_all, fields(lines = lines.len()), err)]
pub async fn store(db: &PgPool, claim: Option<Claim<'_>>, lines: Vec<NewLogLine>) -> sqlx::Result<Stored> {
    let mut tx = db.begin().await?;
    if let Some(claim) = claim
        && let Some(accepted) = ingest_batches::claim(&mut tx, claim, lines.len()).await?
    {
        tx.rollback().await?;
        return Ok(Stored::Duplicate { accepted });
    }
    let ids = insert_lines(&mut tx, &lines).await?;
    tx.commit().await?;
    Ok(Stored::Committed(
        lines
            .into_iter()
            .zip(ids)
            .map(|(line, id)| committed(line, id))
            .collect(),
    ))
}

/// Inserts `lines` inside the caller's transaction; their ids, in order.
/// Missing partitions for their days are created first (normally the
/// retention worker made them days ahead and this is a look-up in memory).
pub async fn insert_lines(conn: &mut PgConnection, lines: &[NewLogLine]) -> sqlx::Result<Vec<i64>> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let days: BTreeSet<NaiveDate> = lines.iter().map(|line| line.ts.date_naive()).collect();
    partitions::PARTITIONS
        .ensure_days(&mut *conn, &days.into_iter().collect::<Vec<_>>())
        .await?;
    // Reserved up front so the committed lines can be published with their ids.
    let count = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('log_lines_id_seq') FROM generate_series(1, $1::bigint)")
        .bind(count)
        .fetch_all(&mut *conn)
        .await?;
    let data = copy::log_lines(lines, &ids).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    crate::metrics::ssr::copy::send(conn, copy::COPY_LOG_LINES, &data).await?;
    Ok(ids)
}

fn committed(line: NewLogLine, id: i64) -> LogLine {
    LogLine {
        id,
        ts: line.ts,
        service: line.service,
        host: line.host,
        severity: line.severity,
        severity_text: line.severity_text,
        body: line.body,
        attributes: line.attributes,
        trace_id: line.trace_id,
        span_id: line.span_id,
    }
}
