//! Storing a batch of checked lines: one transaction, ids reserved from the
//! table's sequence, the rows sent as one binary `COPY` ([`super::copy`]).
//! With an `Idempotency-Key`, its row in `ingest_batches` is claimed in the
//! same transaction first, exactly as the metrics ingest does: a retry of a
//! committed batch finds it taken (and one racing the original waits on the
//! primary key until the original commits or rolls back), so a batch is
//! stored at most once. The answer is given only after the commit.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::{copy, partitions};
use crate::logs::{LogLine, NewLogLine};

/// Log batches' idempotency keys share `ingest_batches` with the metrics
/// ingest's under this prefix, so one key's metrics and logs never collide.
const IDEMPOTENCY_PREFIX: &str = "logs:";
/// Longest `Idempotency-Key` a log door accepts (the column holds 200
/// characters, prefix included).
pub const MAX_IDEMPOTENCY_KEY: usize = 200 - IDEMPOTENCY_PREFIX.len();

/// The batch's `Idempotency-Key`, claimed for the key that sent it.
#[derive(Clone, Copy, Debug)]
pub struct Claim<'a> {
    pub api_key_id: i64,
    pub idempotency_key: &'a str,
}

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
    if let Some(claim) = claim {
        let key = format!("{IDEMPOTENCY_PREFIX}{}", claim.idempotency_key);
        let records = i32::try_from(lines.len()).unwrap_or(i32::MAX);
        let claimed: Option<i32> = sqlx::query_scalar(
            "INSERT INTO ingest_batches (api_key_id, idempotency_key, records) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING RETURNING records",
        )
        .bind(claim.api_key_id)
        .bind(&key)
        .bind(records)
        .fetch_optional(&mut *tx)
        .await?;
        if claimed.is_none() {
            let earlier: i32 =
                sqlx::query_scalar("SELECT records FROM ingest_batches WHERE api_key_id = $1 AND idempotency_key = $2")
                    .bind(claim.api_key_id)
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(Stored::Duplicate {
                accepted: usize::try_from(earlier).unwrap_or_default(),
            });
        }
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
