//! Storing an OTLP trace export: the spans (one binary `COPY`) and the
//! request events made from its server spans (`metrics::ssr::store`), in
//! one transaction, claiming the batch's `Idempotency-Key` first, so a
//! retried export is stored once. The answer is given only after the commit.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::{NewSpan, partitions};
use crate::ingest_batches::{self, Claim};
use crate::metrics::IngestBatch;
use crate::metrics::ssr::copy::{BinaryRows, send};

/// The statement [`copy_rows`]'s bytes are sent to.
pub const COPY_SPANS: &str = "COPY spans (start_ts, trace_id, span_id, parent_span_id, service, name, kind, \
                          duration_ms, status, status_message, endpoint, method, http_status, attributes, events) \
                          FROM STDIN (FORMAT binary)";

#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Committed now: this many spans and request events.
    Committed { spans: usize, requests: usize },
    /// The same key's export was committed before, with this many spans.
    Duplicate { accepted: usize },
}

/// Stores `spans` and `requests` in one transaction (claiming `claim` first).
#[tracing::instrument(skip_all, fields(spans = spans.len(), requests = requests.requests.len()), err)]
pub async fn store(
    db: &PgPool,
    claim: Option<Claim<'_>>,
    spans: &[NewSpan],
    requests: &IngestBatch,
) -> sqlx::Result<Stored> {
    let mut tx = db.begin().await?;
    if let Some(claim) = claim
        && let Some(accepted) = ingest_batches::claim(&mut tx, claim, spans.len()).await?
    {
        tx.rollback().await?;
        return Ok(Stored::Duplicate { accepted });
    }
    insert_spans(&mut tx, spans).await?;
    if !requests.is_empty() {
        crate::metrics::ssr::store::store_batch(&mut tx, requests).await?;
    }
    tx.commit().await?;
    Ok(Stored::Committed {
        spans: spans.len(),
        requests: requests.requests.len(),
    })
}

/// Copies `spans` into their daily partitions (made first when missing).
pub async fn insert_spans(conn: &mut PgConnection, spans: &[NewSpan]) -> sqlx::Result<()> {
    if spans.is_empty() {
        return Ok(());
    }
    let days: BTreeSet<NaiveDate> = spans.iter().map(|span| span.start_ts.date_naive()).collect();
    partitions::PARTITIONS
        .ensure_days(&mut *conn, &days.into_iter().collect::<Vec<_>>())
        .await?;
    let data = copy_rows(spans).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    send(conn, COPY_SPANS, &data).await
}

/// `spans` in binary `COPY` format for [`COPY_SPANS`].
pub fn copy_rows(spans: &[NewSpan]) -> Result<Vec<u8>, serde_json::Error> {
    let mut rows = BinaryRows::with_capacity(spans.len() * 400);
    for span in spans {
        rows.row(15);
        rows.timestamp(span.start_ts);
        rows.text(&span.trace_id);
        rows.text(&span.span_id);
        rows.optional_text(span.parent_span_id.as_deref());
        rows.text(&span.service);
        rows.text(&span.name);
        rows.i16(span.kind);
        rows.f64(span.duration_ms);
        rows.i16(span.status);
        rows.text(&span.status_message);
        rows.optional_text(span.endpoint.as_deref());
        rows.optional_text(span.method.as_deref());
        rows.optional_i16(span.http_status);
        rows.jsonb(&span.attributes)?;
        rows.jsonb(&span.events)?;
    }
    Ok(rows.finish())
}
