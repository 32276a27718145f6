//! Idempotent ingest batches, shared by every door that takes an
//! `Idempotency-Key` (metrics, logs, traces and error events' JSON). `ingest_batches` remembers each
//! committed batch's key per API key; a batch claims its key in the same
//! transaction that stores it, so a retry of a committed batch finds it
//! taken (and one racing the original waits on the primary key until the
//! original commits or rolls back): a batch is stored at most once.

use sqlx::PgConnection;

/// Which door's batches: each keeps its keys apart in the shared table, so
/// one key's metrics and logs never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batches {
    Metrics,
    Logs,
    /// Opsdeck's own JSON for error events (`POST /api/v1/errors`).
    Errors,
    /// OTLP trace exports (`POST /v1/traces`).
    Traces,
    /// OTLP metrics exports (`POST /v1/metrics`).
    MetricPoints,
}

/// The most characters the `idempotency_key` column holds.
const KEY_COLUMN_CHARS: usize = 200;

impl Batches {
    fn prefix(self) -> &'static str {
        match self {
            Batches::Metrics => "",
            Batches::Logs => "logs:",
            Batches::Errors => "errors:",
            Batches::Traces => "traces:",
            Batches::MetricPoints => "otlp-metrics:",
        }
    }

    /// The longest `Idempotency-Key` this door accepts (its prefix shares the column).
    pub fn max_key_len(self) -> usize {
        KEY_COLUMN_CHARS - self.prefix().len()
    }
}

/// A batch's `Idempotency-Key`, claimed for the API key that sent it.
#[derive(Clone, Copy, Debug)]
pub struct Claim<'a> {
    pub batches: Batches,
    pub api_key_id: i64,
    pub idempotency_key: &'a str,
}

/// Claims the key for a batch of `records` inside the caller's transaction:
/// `None` when claimed now (store the batch, then commit), `Some(records)`
/// of the batch committed earlier under it (roll back; nothing to store).
pub async fn claim(conn: &mut PgConnection, claim: Claim<'_>, records: usize) -> sqlx::Result<Option<usize>> {
    let key = format!("{}{}", claim.batches.prefix(), claim.idempotency_key);
    let records = i32::try_from(records).unwrap_or(i32::MAX);
    let claimed: Option<i32> = sqlx::query_scalar(
        "INSERT INTO ingest_batches (api_key_id, idempotency_key, records) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING RETURNING records",
    )
    .bind(claim.api_key_id)
    .bind(&key)
    .bind(records)
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let earlier: i32 =
        sqlx::query_scalar("SELECT records FROM ingest_batches WHERE api_key_id = $1 AND idempotency_key = $2")
            .bind(claim.api_key_id)
            .bind(&key)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Some(usize::try_from(earlier).unwrap_or_default()))
}
