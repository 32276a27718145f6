//! Silences in Postgres: creating and ending them, the ones in force for
//! the evaluator, the rules each one matched, and ending those that asked to
//! end once every alert they matched has resolved.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::alerts::silence::{Silence, SilenceDraft};
use crate::alerts::{Severity, SilenceEnd};

const COLUMNS: &str = "s.id, s.rule_name, s.severity, s.labels::text AS labels, s.starts_at, s.ends_at, s.comment, \
     s.end_when_resolved, s.created_at, s.ended_at, s.end_reason, \
     (SELECT email FROM users WHERE id = s.created_by) AS created_by, \
     (SELECT email FROM users WHERE id = s.ended_by) AS ended_by, \
     ARRAY(SELECT r.name FROM alert_silence_matches m JOIN alert_rules r ON r.id = m.rule_id \
           WHERE m.silence_id = s.id ORDER BY r.name) AS matched";

fn decode_error(column: &str, source: Box<dyn std::error::Error + Send + Sync>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source,
    }
}

fn silence_from(row: &PgRow) -> sqlx::Result<Silence> {
    let severity: Option<String> = row.try_get("severity")?;
    let severity = match severity {
        None => None,
        Some(word) => Some(Severity::parse(&word).ok_or_else(|| decode_error("severity", word.into()))?),
    };
    let end_reason: Option<String> = row.try_get("end_reason")?;
    let end_reason = match end_reason {
        None => None,
        Some(word) => Some(SilenceEnd::parse(&word).ok_or_else(|| decode_error("end_reason", word.into()))?),
    };
    let labels: String = row.try_get("labels")?;
    Ok(Silence {
        id: row.try_get("id")?,
        draft: SilenceDraft {
            rule_name: row.try_get("rule_name")?,
            severity,
            labels: serde_json::from_str(&labels).map_err(|e| decode_error("labels", Box::new(e)))?,
            starts_at: row.try_get("starts_at")?,
            ends_at: row.try_get("ends_at")?,
            comment: row.try_get("comment")?,
            end_when_resolved: row.try_get("end_when_resolved")?,
        },
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        ended_at: row.try_get("ended_at")?,
        ended_by: row.try_get("ended_by")?,
        end_reason,
        matched: row.try_get("matched")?,
    })
}

/// Stores a new silence created by `by` (`None`: the command line); answers its id.
pub async fn create(conn: &mut PgConnection, draft: &SilenceDraft, by: Option<i64>) -> sqlx::Result<i64> {
    let labels = serde_json::to_string(&draft.labels).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_scalar(
        "INSERT INTO alert_silences (rule_name, severity, labels, starts_at, ends_at, comment, end_when_resolved, created_by) \
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&draft.rule_name)
    .bind(draft.severity.map(Severity::as_str))
    .bind(labels)
    .bind(draft.starts_at)
    .bind(draft.ends_at)
    .bind(&draft.comment)
    .bind(draft.end_when_resolved)
    .bind(by)
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Silence>> {
    let sql = format!("SELECT {COLUMNS} FROM alert_silences s WHERE s.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(silence_from).transpose()
}

/// Silences not over at `at` (in force or still to start), soonest to
/// expire first, then up to `limit` that are over, most recent first.
pub async fn list(conn: &mut PgConnection, at: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<Silence>> {
    let sql = format!(
        "(SELECT {COLUMNS} FROM alert_silences s WHERE s.ended_at IS NULL AND s.ends_at > $1 ORDER BY s.ends_at, s.id) \
         UNION ALL \
         (SELECT {COLUMNS} FROM alert_silences s WHERE s.ended_at IS NOT NULL OR s.ends_at <= $1 \
          ORDER BY coalesce(s.ended_at, s.ends_at) DESC, s.id DESC LIMIT $2)"
    );
    let rows = sqlx::query(&sql).bind(at).bind(limit).fetch_all(conn).await?;
    rows.iter().map(silence_from).collect()
}

/// The silences in force at `at`, oldest first.
pub async fn active(conn: &mut PgConnection, at: DateTime<Utc>) -> sqlx::Result<Vec<Silence>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM alert_silences s \
         WHERE s.ended_at IS NULL AND s.starts_at <= $1 AND s.ends_at > $1 ORDER BY s.id"
    );
    let rows = sqlx::query(&sql).bind(at).fetch_all(conn).await?;
    rows.iter().map(silence_from).collect()
}

/// Ends silence `id` by hand at `at`; false when it is already over.
pub async fn end(conn: &mut PgConnection, id: i64, by: Option<i64>, at: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE alert_silences SET ended_at = $3, ended_by = $2, end_reason = 'ended' \
         WHERE id = $1 AND ended_at IS NULL AND ends_at > $3",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that `silences` matched rule `rule_id` while it was pending or firing.
pub async fn record_matches(
    conn: &mut PgConnection,
    silences: &[i64],
    rule_id: i64,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    if silences.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO alert_silence_matches (silence_id, rule_id, first_at) \
         SELECT unnest($1::bigint[]), $2, $3 ON CONFLICT DO NOTHING",
    )
    .bind(silences)
    .bind(rule_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends (as `resolved`) every silence in force at `at` that asked to end
/// when its alerts resolved, has matched at least one, and none of whose
/// matched rules is pending or firing now (a disabled rule counts as
/// resolved: it no longer alerts); answers their ids.
pub async fn end_resolved(conn: &mut PgConnection, at: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "UPDATE alert_silences s SET ended_at = $1, end_reason = 'resolved' \
         WHERE s.ended_at IS NULL AND s.end_when_resolved AND s.starts_at <= $1 AND s.ends_at > $1 \
           AND EXISTS (SELECT 1 FROM alert_silence_matches m WHERE m.silence_id = s.id) \
           AND NOT EXISTS ( \
               SELECT 1 FROM alert_silence_matches m \
               JOIN alert_rules r ON r.id = m.rule_id \
               JOIN alert_states st ON st.rule_id = m.rule_id \
               WHERE m.silence_id = s.id AND r.enabled AND st.state IN ('pending', 'firing')) \
         RETURNING s.id",
    )
    .bind(at)
    .fetch_all(conn)
    .await
}
