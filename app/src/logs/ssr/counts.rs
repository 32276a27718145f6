//! Matching lines per minute: what a log alert rule watches. The lines are
//! chosen by `search`'s SQL for the query (one implementation of the query's
//! meaning for the page, the histogram, the live tail and alerts).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::search::{Span, matching};
use crate::logs::query::Query;

/// `(minute, lines)` for every minute of `span` with a line matching
/// `query`, oldest first. Minutes are whole UTC minutes (binned from a fixed
/// origin, so the session's time zone never shifts them); the first and
/// last may be partly outside `span`, and count only the lines inside it.
#[tracing::instrument(skip(conn), err)]
pub async fn per_minute(conn: &mut PgConnection, query: &Query, span: Span) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    let mut sql = matching(
        "date_bin(INTERVAL '1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS minute, count(*)",
        query,
        span,
    );
    sql.push(" GROUP BY 1 ORDER BY 1");
    let minutes = sql.build_query_as().fetch_all(conn).await?;
    Ok(minutes)
}
