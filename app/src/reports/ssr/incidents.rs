//! The month's incidents: every firing of a critical or warning alert rule
//! (of the service, when the report has one), with when it was first
//! acknowledged (`alert_events.acknowledged_at`) and when it stopped firing
//! (the rule's next event out of `firing`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::alerts::Severity;
use crate::reports::view::Incident;

type Row = (
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Incidents that fired in `[from, to)`, oldest first.
pub async fn fired(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    service: Option<&str>,
) -> sqlx::Result<Vec<Incident>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.rule_id, r.name, r.service, e.severity, e.at, e.acknowledged_at, \
             (SELECT min(n.at) FROM alert_events n \
              WHERE n.rule_id = e.rule_id AND n.from_state = 'firing' AND n.at > e.at) \
         FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id \
         WHERE e.to_state = 'firing' AND e.severity IN ('critical', 'warning') \
           AND e.at >= $1 AND e.at < $2 AND ($3::text IS NULL OR r.service = $3) \
         ORDER BY e.at, e.id",
    )
    .bind(from)
    .bind(to)
    .bind(service)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(rule_id, rule, service, severity, fired_at, acknowledged_at, resolved_at)| Incident {
                rule_id,
                rule,
                service,
                // The query keeps to these two; the column's CHECK to the three.
                severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
                fired_at,
                acknowledged_at,
                resolved_at,
            },
        )
        .collect())
}
