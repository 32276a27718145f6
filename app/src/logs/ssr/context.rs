//! The lines around a line (same service and host, by `(ts, id)`: the
//! `(service, host, ts, id)` index answers both sides), and every line of a
//! trace (the `trace_id` index).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{LINE_COLUMNS, Row};
use crate::logs::LogLine;

/// The line with this id and time (the time finds its partition).
#[tracing::instrument(skip(conn), err)]
pub async fn line(conn: &mut PgConnection, id: i64, ts: DateTime<Utc>) -> sqlx::Result<Option<LogLine>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM log_lines WHERE ts = $1 AND id = $2"
    ))
    .bind(ts)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(LogLine::from))
}

/// `count` lines before and after `anchor` from its service and host, and
/// the anchor, oldest first.
#[tracing::instrument(skip(conn, anchor), err)]
pub async fn around(conn: &mut PgConnection, anchor: LogLine, count: i64) -> sqlx::Result<Vec<LogLine>> {
    let before = side(conn, &anchor, Side::Before, count).await?;
    let after = side(conn, &anchor, Side::After, count).await?;
    let mut lines: Vec<LogLine> = before.into_iter().rev().map(LogLine::from).collect();
    lines.push(anchor);
    lines.extend(after.into_iter().map(LogLine::from));
    Ok(lines)
}

#[derive(Clone, Copy)]
enum Side {
    Before,
    After,
}

/// The `count` lines nearest `anchor` on one side, nearest first.
async fn side(conn: &mut PgConnection, anchor: &LogLine, side: Side, count: i64) -> sqlx::Result<Vec<Row>> {
    let (comparison, order) = match side {
        Side::Before => ("<", "DESC"),
        Side::After => (">", "ASC"),
    };
    sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM log_lines WHERE service = $1 AND host = $2 \
         AND (ts, id) {comparison} ($3, $4) ORDER BY ts {order}, id {order} LIMIT $5"
    ))
    .bind(&anchor.service)
    .bind(&anchor.host)
    .bind(anchor.ts)
    .bind(anchor.id)
    .bind(count)
    .fetch_all(conn)
    .await
}

/// The first `limit` lines of a trace, oldest first.
#[tracing::instrument(skip(conn), err)]
pub async fn trace(conn: &mut PgConnection, trace_id: &str, limit: i64) -> sqlx::Result<Vec<LogLine>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM log_lines WHERE trace_id = $1 ORDER BY ts, id LIMIT $2"
    ))
    .bind(trace_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(LogLine::from).collect())
}
