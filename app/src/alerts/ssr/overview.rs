//! What the rule pages read: the Alerts overview (active alerts, firing
//! counts, the filtered history, the silences in force) and one rule's page.

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use super::{outbox, silences, store};
use crate::alerts::rule::{Rule, StoredEvent};
use crate::alerts::views::{AlertsOverview, EventFilter, RuleDetail};
use crate::alerts::{AlertState, Severity};
use crate::auth::permissions::{Permission, Role, allows};
use crate::error::AppError;

/// The Alerts page as `role` sees it, its history filtered by `filter`.
pub async fn overview(conn: &mut PgConnection, filter: &EventFilter, role: Role) -> Result<AlertsOverview, AppError> {
    let rules = store::list(&mut *conn)
        .await
        .map_err(AppError::internal_in("alerts: rules"))?;
    let mut active: Vec<Rule> = rules
        .iter()
        // A disabled rule is not evaluated: its last state is history, not an alert.
        .filter(|r| r.draft.enabled && r.state.as_ref().is_some_and(|s| s.state.is_active()))
        .cloned()
        .collect();
    let firing = |r: &Rule| r.state.as_ref().is_some_and(|s| s.state == AlertState::Firing);
    let rank = |r: &Rule| {
        let severity = Severity::ALL.iter().position(|s| *s == r.draft.severity).unwrap_or(0);
        (!firing(r), severity)
    };
    active.sort_by_key(rank);
    let counts = Severity::ALL
        .iter()
        .map(|severity| {
            let count = active
                .iter()
                .filter(|r| r.draft.severity == *severity && firing(r))
                .count() as i64;
            (*severity, count)
        })
        .collect();
    let events = filtered_events(&mut *conn, filter).await?;
    let silences = silences::active(conn, Utc::now())
        .await
        .map_err(AppError::internal_in("alerts: silences"))?;
    Ok(AlertsOverview {
        firing: counts,
        active,
        events,
        rules: rules.iter().map(|r| (r.id, r.draft.name.clone())).collect(),
        silences,
        can_edit: allows(role, Permission::EditAlertRules),
        can_read_audit: allows(role, Permission::ReadAuditSummary),
    })
}

/// The newest 200 events `filter` asks for; a filter value that does not
/// read is its field's validation error.
async fn filtered_events(conn: &mut PgConnection, filter: &EventFilter) -> Result<Vec<StoredEvent>, AppError> {
    let present = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let severity = present(&filter.severity);
    if let Some(s) = &severity
        && Severity::parse(s).is_none()
    {
        return Err(AppError::validation("severity", "Choose critical, warning or info"));
    }
    let state = present(&filter.state);
    if let Some(s) = &state
        && AlertState::parse(s).is_none()
    {
        return Err(AppError::validation("state", "Choose one of the listed states"));
    }
    let rule = match present(&filter.rule) {
        None => None,
        Some(r) => Some(
            r.parse::<i64>()
                .map_err(|_| AppError::validation("rule", "Choose a rule"))?,
        ),
    };
    let hours = match present(&filter.hours) {
        None => None,
        Some(h) => Some(
            h.parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 90).contains(h))
                .ok_or_else(|| AppError::validation("hours", "Choose a time range"))?,
        ),
    };
    let since = hours.map(|h| Utc::now() - Duration::hours(h));
    store::events(conn, rule, severity.as_deref(), state.as_deref(), since, 200)
        .await
        .map_err(AppError::internal_in("alerts: events"))
}

/// Rule `id`'s page as `role` sees it: the rule, its versions, its newest
/// 100 events and 50 notifications; `NotFound` when there is no such rule.
pub async fn detail(conn: &mut PgConnection, id: i64, role: Role) -> Result<RuleDetail, AppError> {
    let rule = store::get(&mut *conn, id)
        .await
        .map_err(AppError::internal_in("alerts: rule"))?
        .ok_or(AppError::NotFound)?;
    let versions = store::versions(&mut *conn, id)
        .await
        .map_err(AppError::internal_in("alerts: versions"))?;
    let events = store::events(&mut *conn, Some(id), None, None, None, 100)
        .await
        .map_err(AppError::internal_in("alerts: events"))?;
    let deliveries = outbox::deliveries(conn, Some(id), None, 50)
        .await
        .map_err(AppError::internal_in("alerts: deliveries"))?;
    Ok(RuleDetail {
        rule,
        versions,
        events,
        deliveries,
        can_edit: allows(role, Permission::EditAlertRules),
        can_read_audit: allows(role, Permission::ReadAuditSummary),
    })
}
