//! Alert rules, their versions, states and events in Postgres.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::alerts::rule::{Rule, RuleDraft, RuleStatus, StoredEvent, StoredVersion};
use crate::alerts::state::{Tracker, Transition};
use crate::alerts::{Aggregation, AlertState, Comparator, Condition, NoDataPolicy, Severity};

const RULE_COLUMNS: &str = "r.id, r.version, r.updated_at, r.name, r.description, r.service, r.endpoint, r.metric, \
     r.matchers::text AS matchers, r.log_query, r.error_issue_id, r.aggregation, r.window_secs, r.comparator, r.threshold, r.recovery_threshold, \
     r.for_secs, r.no_data, r.severity, r.labels::text AS labels, r.summary, r.channels::text AS channels, r.enabled, \
     s.state, s.since, s.value, s.evaluated_at, s.acknowledged_at, \
     (SELECT email FROM users WHERE id = s.acknowledged_by) AS acknowledged_by";

fn decode<T>(column: &str, parsed: Option<T>) -> sqlx::Result<T> {
    parsed.ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unexpected {column}").into(),
    })
}

/// A JSON column read as text into `T`.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(row: &PgRow, column: &str) -> sqlx::Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

fn rule_from(row: &PgRow) -> sqlx::Result<Rule> {
    let word = |column: &str| -> sqlx::Result<String> { row.try_get(column) };
    let draft = RuleDraft {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        service: row.try_get("service")?,
        endpoint: row.try_get("endpoint")?,
        metric: row.try_get("metric")?,
        matchers: json_column(row, "matchers")?,
        log_query: row.try_get("log_query")?,
        error_issue: row.try_get("error_issue_id")?,
        aggregation: decode("aggregation", Aggregation::parse(&word("aggregation")?))?,
        window_secs: i64::from(row.try_get::<i32, _>("window_secs")?),
        comparator: decode("comparator", Comparator::parse(&word("comparator")?))?,
        threshold: row.try_get("threshold")?,
        recovery_threshold: row.try_get("recovery_threshold")?,
        for_secs: i64::from(row.try_get::<i32, _>("for_secs")?),
        no_data: decode("no_data", NoDataPolicy::parse(&word("no_data")?))?,
        severity: decode("severity", Severity::parse(&word("severity")?))?,
        labels: json_column(row, "labels")?,
        summary: row.try_get("summary")?,
        channels: json_column(row, "channels")?,
        enabled: row.try_get("enabled")?,
    };
    let state: Option<String> = row.try_get("state")?;
    let state = match state {
        None => None,
        Some(state) => Some(RuleStatus {
            state: decode("state", AlertState::parse(&state))?,
            since: row.try_get("since")?,
            value: row.try_get("value")?,
            evaluated_at: row.try_get("evaluated_at")?,
            acknowledged_by: row.try_get("acknowledged_by")?,
            acknowledged_at: row.try_get("acknowledged_at")?,
        }),
    };
    Ok(Rule {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        draft,
        state,
    })
}

/// Every rule with its state, by name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<Rule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules r LEFT JOIN alert_states s ON s.rule_id = r.id ORDER BY r.name"
    );
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(rule_from).collect()
}

/// The enabled rules (what the evaluator evaluates), by id.
pub async fn enabled(conn: &mut PgConnection) -> sqlx::Result<Vec<Rule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules r LEFT JOIN alert_states s ON s.rule_id = r.id \
         WHERE r.enabled ORDER BY r.id"
    );
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(rule_from).collect()
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Rule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules r LEFT JOIN alert_states s ON s.rule_id = r.id WHERE r.id = $1"
    );
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(rule_from).transpose()
}

fn definition(draft: &RuleDraft) -> sqlx::Result<String> {
    serde_json::to_string(draft).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Writes the columns of `draft` into rule `id` (inserting when `None`) and
/// records the new version; returns `(id, version)`.
pub async fn save(
    conn: &mut PgConnection,
    id: Option<i64>,
    draft: &RuleDraft,
    by: Option<i64>,
) -> sqlx::Result<Option<(i64, i32)>> {
    let json = definition(draft)?;
    // The row is written from the same JSON as the version, so they never differ.
    let saved: Option<(i64, i32)> = sqlx::query_as(
        "WITH d AS (SELECT * FROM jsonb_to_record($1::jsonb) AS x( \
             name TEXT, description TEXT, service TEXT, endpoint TEXT, metric TEXT, matchers JSONB, \
             log_query TEXT, error_issue BIGINT, aggregation TEXT, window_secs INTEGER, comparator TEXT, threshold DOUBLE PRECISION, \
             recovery_threshold DOUBLE PRECISION, for_secs INTEGER, no_data TEXT, severity TEXT, labels JSONB, \
             summary TEXT, channels JSONB, enabled BOOLEAN)), \
         ins AS ( \
             INSERT INTO alert_rules (name, description, service, endpoint, metric, matchers, log_query, \
                 error_issue_id, aggregation, window_secs, comparator, threshold, recovery_threshold, for_secs, no_data, severity, \
                 labels, summary, channels, enabled, updated_by) \
             SELECT name, description, service, endpoint, metric, matchers, log_query, error_issue, aggregation, window_secs, \
                 comparator, threshold, recovery_threshold, for_secs, no_data, severity, labels, summary, channels, \
                 enabled, $3 \
             FROM d WHERE $2::bigint IS NULL RETURNING id, version), \
         upd AS ( \
             UPDATE alert_rules r SET name = d.name, description = d.description, service = d.service, \
                 endpoint = d.endpoint, metric = d.metric, matchers = d.matchers, log_query = d.log_query, \
                 error_issue_id = d.error_issue, \
                 aggregation = d.aggregation, window_secs = d.window_secs, comparator = d.comparator, \
                 threshold = d.threshold, recovery_threshold = d.recovery_threshold, for_secs = d.for_secs, \
                 no_data = d.no_data, severity = d.severity, labels = d.labels, summary = d.summary, \
                 channels = d.channels, enabled = d.enabled, \
                 version = r.version + 1, updated_at = now(), updated_by = $3 \
             FROM d WHERE r.id = $2 RETURNING r.id, r.version) \
         SELECT id, version FROM ins UNION ALL SELECT id, version FROM upd",
    )
    .bind(&json)
    .bind(id)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((rule_id, version)) = saved {
        sqlx::query(
            "INSERT INTO alert_rule_versions (rule_id, version, definition, saved_by) VALUES ($1, $2, $3::jsonb, $4)",
        )
        .bind(rule_id)
        .bind(version)
        .bind(&json)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    }
    Ok(saved)
}

pub async fn versions(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<StoredVersion>> {
    let rows = sqlx::query(
        "SELECT v.version, v.definition::text AS definition, u.email, v.saved_at \
         FROM alert_rule_versions v LEFT JOIN users u ON u.id = v.saved_by \
         WHERE v.rule_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let text: String = row.try_get("definition")?;
            Ok(StoredVersion {
                version: row.try_get("version")?,
                definition: serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
                    index: "definition".into(),
                    source: Box::new(e),
                })?,
                saved_by: row.try_get("email")?,
                saved_at: row.try_get("saved_at")?,
            })
        })
        .collect()
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM alert_rules WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

/// The evaluator's memory of each rule: its tracker and the condition the
/// tracker belongs to.
pub async fn trackers(conn: &mut PgConnection) -> sqlx::Result<HashMap<i64, (Tracker, Option<Condition>)>> {
    let rows = sqlx::query("SELECT rule_id, state, since, condition::text AS condition FROM alert_states")
        .fetch_all(conn)
        .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let state: String = row.try_get("state")?;
        let condition: String = row.try_get("condition")?;
        let tracker = Tracker {
            state: decode("state", AlertState::parse(&state))?,
            since: row.try_get("since")?,
        };
        // A condition that no longer parses is treated as changed.
        found.insert(
            row.try_get("rule_id")?,
            (tracker, serde_json::from_str(&condition).ok()),
        );
    }
    Ok(found)
}

/// Records one evaluation of `rule`: its state (and the condition it tracks)
/// and, when it changed, the alert event with the silence then in force
/// (answering the event's id).
pub async fn record(
    conn: &mut PgConnection,
    rule: &Rule,
    tracker: &Tracker,
    value: Option<f64>,
    at: DateTime<Utc>,
    transition: Option<&Transition>,
    silenced: Option<i64>,
) -> sqlx::Result<Option<i64>> {
    let condition = serde_json::to_string(&rule.draft.condition()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO alert_states (rule_id, state, since, condition, value, evaluated_at) \
         VALUES ($1, $2, $3, $4::jsonb, $5, $6) \
         ON CONFLICT (rule_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, \
             condition = EXCLUDED.condition, value = EXCLUDED.value, evaluated_at = EXCLUDED.evaluated_at, \
             acknowledged_by = CASE WHEN alert_states.state = EXCLUDED.state THEN alert_states.acknowledged_by END, \
             acknowledged_at = CASE WHEN alert_states.state = EXCLUDED.state THEN alert_states.acknowledged_at END",
    )
    .bind(rule.id)
    .bind(tracker.state.as_str())
    .bind(tracker.since)
    .bind(condition)
    .bind(value)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    match transition {
        Some(transition) => insert_event(conn, rule, transition, silenced).await.map(Some),
        None => Ok(None),
    }
}

/// Stores `transition` of `rule` as one of its events; answers its id.
pub async fn insert_event(
    conn: &mut PgConnection,
    rule: &Rule,
    transition: &Transition,
    silenced: Option<i64>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO alert_events (rule_id, at, from_state, to_state, value, threshold, severity, silence_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(rule.id)
    .bind(transition.at)
    .bind(transition.from.as_str())
    .bind(transition.to.as_str())
    .bind(transition.value)
    .bind(rule.draft.threshold)
    .bind(rule.draft.severity.as_str())
    .bind(silenced)
    .fetch_one(conn)
    .await
}

/// The newest events matching every given filter, newest first.
pub async fn events(
    conn: &mut PgConnection,
    rule_id: Option<i64>,
    severity: Option<&str>,
    to_state: Option<&str>,
    since: Option<DateTime<Utc>>,
    limit: i64,
) -> sqlx::Result<Vec<StoredEvent>> {
    let rows = sqlx::query(
        "SELECT e.id, e.rule_id, r.name, e.at, e.from_state, e.to_state, e.value, e.threshold, e.severity, \
         e.silence_id, r.service, r.endpoint, r.aggregation, r.log_query, r.error_issue_id \
         FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id \
         WHERE ($1::bigint IS NULL OR e.rule_id = $1) AND ($2::text IS NULL OR e.severity = $2) \
           AND ($3::text IS NULL OR e.to_state = $3) AND ($4::timestamptz IS NULL OR e.at >= $4) \
         ORDER BY e.at DESC, e.id DESC LIMIT $5",
    )
    .bind(rule_id)
    .bind(severity)
    .bind(to_state)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let word = |c: &str| -> sqlx::Result<String> { row.try_get(c) };
            Ok(StoredEvent {
                id: row.try_get("id")?,
                rule_id: row.try_get("rule_id")?,
                rule_name: row.try_get("name")?,
                at: row.try_get("at")?,
                from: decode("from_state", AlertState::parse(&word("from_state")?))?,
                to: decode("to_state", AlertState::parse(&word("to_state")?))?,
                value: row.try_get("value")?,
                threshold: row.try_get("threshold")?,
                severity: decode("severity", Severity::parse(&word("severity")?))?,
                service: row.try_get("service")?,
                endpoint: row.try_get("endpoint")?,
                aggregation: decode("aggregation", Aggregation::parse(&word("aggregation")?))?,
                log_query: row.try_get("log_query")?,
                error_issue: row.try_get("error_issue_id")?,
                silence_id: row.try_get("silence_id")?,
            })
        })
        .collect()
}

/// Marks rule `id`'s firing alert, and the event it fired with, as
/// acknowledged by `by`; false when it is not firing.
pub async fn acknowledge(conn: &mut PgConnection, id: i64, by: Option<i64>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE alert_states SET acknowledged_by = $2, acknowledged_at = now() WHERE rule_id = $1 AND state = 'firing'",
    )
    .bind(id)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    // The firing it acknowledges keeps when it first was (the report's MTTA).
    sqlx::query(
        "UPDATE alert_events SET acknowledged_by = $2, acknowledged_at = now() \
         WHERE id = (SELECT id FROM alert_events WHERE rule_id = $1 AND to_state = 'firing' ORDER BY at DESC, id DESC LIMIT 1) \
         AND acknowledged_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Firing alerts of enabled rules per severity (critical, warning, info).
pub async fn firing_counts(conn: &mut PgConnection) -> sqlx::Result<Vec<(Severity, i64)>> {
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT r.severity, count(*) FROM alert_states s JOIN alert_rules r ON r.id = s.rule_id \
         WHERE s.state = 'firing' AND r.enabled GROUP BY r.severity",
    )
    .fetch_all(conn)
    .await?;
    Ok(Severity::ALL
        .iter()
        .map(|s| (*s, counts.iter().find(|(w, _)| w == s.as_str()).map_or(0, |(_, n)| *n)))
        .collect())
}
