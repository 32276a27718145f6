//! The Alerts pages' server functions. Reading needs `ReadAlerts`; every
//! change needs `EditAlertRules` and is audited in its own transaction.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::Severity;
use super::form::RuleForm;
use super::notify::Delivery;
use super::rule::{Rule, StoredEvent, StoredVersion};
use super::silence::Silence;
use super::state::Backtest;
use crate::error::AppError;

/// The Alerts page: what is firing or pending now, and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertsOverview {
    /// Firing alerts per severity (critical, warning, info).
    pub firing: Vec<(Severity, i64)>,
    /// Rules firing or pending, firing and most severe first.
    pub active: Vec<Rule>,
    /// State changes matching the filter, newest first.
    pub events: Vec<StoredEvent>,
    /// Every rule, for the filter.
    pub rules: Vec<(i64, String)>,
    /// Silences in force now (an active alert they match sends nothing).
    pub silences: Vec<Silence>,
    pub can_edit: bool,
    /// Whether the viewer may read the audit log (its links are shown).
    pub can_read_audit: bool,
}

/// The history filter, as in the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFilter {
    pub severity: Option<String>,
    pub state: Option<String>,
    pub rule: Option<String>,
    /// Only events from the last N hours (`24`, `168`…); all when empty.
    pub hours: Option<String>,
}

/// One rule's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleDetail {
    pub rule: Rule,
    pub versions: Vec<StoredVersion>,
    pub events: Vec<StoredEvent>,
    /// The rule's notifications, newest first, each with its attempts.
    pub deliveries: Vec<Delivery>,
    pub can_edit: bool,
    pub can_read_audit: bool,
}

/// The watched series of a draft rule and, when asked, its backtest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The rule's value every `step_secs`, `None` where there was no data.
    pub series: Vec<(DateTime<Utc>, Option<f64>)>,
    pub step_secs: i64,
    pub threshold: f64,
    pub recovery_threshold: Option<f64>,
    pub backtest: Option<Backtest>,
}

#[server(endpoint = "alerts/overview")]
pub async fn get_alerts(#[server(default)] filter: EventFilter) -> Result<AlertsOverview, AppError> {
    crate::error::respond(ssr::overview(filter).await)
}

/// Firing alerts per severity (critical, warning, info), for the Overview.
#[server(endpoint = "alerts/firing")]
pub async fn firing_counts() -> Result<Vec<(Severity, i64)>, AppError> {
    crate::error::respond(ssr::firing().await)
}

#[server(endpoint = "alerts/rules")]
pub async fn list_rules() -> Result<(Vec<Rule>, bool), AppError> {
    crate::error::respond(ssr::rules().await)
}

#[server(endpoint = "alerts/rule")]
pub async fn get_rule(id: i64) -> Result<RuleDetail, AppError> {
    crate::error::respond(ssr::detail(id).await)
}

/// Creates (`id` empty) or updates a rule; answers its id. A plain form post
/// is redirected to the rule's page.
#[server(endpoint = "alerts/save")]
pub async fn save_rule(#[server(default)] id: Option<i64>, rule: RuleForm) -> Result<i64, AppError> {
    crate::error::respond(ssr::save(id, rule).await)
}

/// The draft's series over the last `hours` (1–168) and, with `backtest`,
/// when it would have fired and resolved.
#[server(endpoint = "alerts/preview")]
pub async fn preview_rule(
    rule: RuleForm,
    #[server(default)] hours: Option<i64>,
    #[server(default)] backtest: bool,
) -> Result<Preview, AppError> {
    crate::error::respond(ssr::preview(rule, hours.unwrap_or(24), backtest).await)
}

#[server(endpoint = "alerts/set-enabled")]
pub async fn set_rule_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    crate::error::respond(ssr::set_enabled(id, enabled).await)
}

#[server(endpoint = "alerts/delete")]
pub async fn delete_rule(id: i64) -> Result<(), AppError> {
    crate::error::respond(ssr::delete(id).await)
}

/// Saves an old version's definition as the rule's newest version.
#[server(endpoint = "alerts/restore")]
pub async fn restore_rule_version(id: i64, version: i32) -> Result<i64, AppError> {
    crate::error::respond(ssr::restore(id, version).await)
}

/// Marks a firing alert as seen by the caller (it does not silence it).
#[server(endpoint = "alerts/acknowledge")]
pub async fn acknowledge_alert(id: i64) -> Result<(), AppError> {
    crate::error::respond(ssr::acknowledge(id).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use chrono::{Duration, Utc};
    use serde_json::json;
    use sqlx::PgConnection;

    use super::*;
    use crate::alerts::AlertState;
    use crate::alerts::ssr::evaluate::{MAX_BACKTEST_DAYS, backtest};
    use crate::alerts::ssr::series::{load, value_at, window};
    use crate::alerts::ssr::store;
    use crate::audit::Outcome;
    use crate::audit::ssr::{NewAuditEntry, append_and_commit};
    use crate::auth::permissions::{Permission, allows};
    use crate::auth::ssr::{Caller, acting};
    use crate::error::FieldErrors;
    use crate::state::app_state;

    /// A chart holds at most this many points.
    const PREVIEW_POINTS: i64 = 300;

    pub async fn overview(filter: EventFilter) -> Result<AlertsOverview, AppError> {
        let role = acting(Permission::ReadAlerts).await?.role();
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        let rules = store::list(&mut conn)
            .await
            .map_err(AppError::internal_in("alerts: rules"))?;
        let mut active: Vec<Rule> = rules
            .iter()
            // A disabled rule is not evaluated: its last state is history, not an alert.
            .filter(|r| r.draft.enabled && r.state.as_ref().is_some_and(|s| s.state.is_active()))
            .cloned()
            .collect();
        let rank = |r: &Rule| {
            let firing = r.state.as_ref().is_some_and(|s| s.state == AlertState::Firing);
            let severity = Severity::ALL.iter().position(|s| *s == r.draft.severity).unwrap_or(0);
            (!firing, severity)
        };
        active.sort_by_key(rank);
        let firing = Severity::ALL
            .iter()
            .map(|severity| {
                let count = active
                    .iter()
                    .filter(|r| r.draft.severity == *severity)
                    .filter(|r| r.state.as_ref().is_some_and(|s| s.state == AlertState::Firing))
                    .count() as i64;
                (*severity, count)
            })
            .collect();
        let events = filtered_events(&mut conn, &filter).await?;
        let silences = crate::alerts::ssr::silences::active(&mut conn, Utc::now())
            .await
            .map_err(AppError::internal_in("alerts: silences"))?;
        Ok(AlertsOverview {
            firing,
            active,
            events,
            rules: rules.iter().map(|r| (r.id, r.draft.name.clone())).collect(),
            silences,
            can_edit: allows(role, Permission::EditAlertRules),
            can_read_audit: allows(role, Permission::ReadAuditSummary),
        })
    }

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

    pub async fn firing() -> Result<Vec<(Severity, i64)>, AppError> {
        acting(Permission::ReadAlerts).await?;
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        store::firing_counts(&mut conn)
            .await
            .map_err(AppError::internal_in("alerts: firing"))
    }

    pub async fn rules() -> Result<(Vec<Rule>, bool), AppError> {
        let role = acting(Permission::ReadAlerts).await?.role();
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        Ok((
            store::list(&mut conn)
                .await
                .map_err(AppError::internal_in("alerts: rules"))?,
            allows(role, Permission::EditAlertRules),
        ))
    }

    pub async fn detail(id: i64) -> Result<RuleDetail, AppError> {
        let role = acting(Permission::ReadAlerts).await?.role();
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        let rule = store::get(&mut conn, id)
            .await
            .map_err(AppError::internal_in("alerts: rule"))?
            .ok_or(AppError::NotFound)?;
        let versions = store::versions(&mut conn, id)
            .await
            .map_err(AppError::internal_in("alerts: versions"))?;
        let events = store::events(&mut conn, Some(id), None, None, None, 100)
            .await
            .map_err(AppError::internal_in("alerts: events"))?;
        let deliveries = crate::alerts::ssr::outbox::deliveries(&mut conn, Some(id), None, 50)
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

    pub async fn save(id: Option<i64>, form: RuleForm) -> Result<i64, AppError> {
        let Caller { actor, client, .. } = acting(Permission::EditAlertRules).await?;
        let plain_post = crate::error::is_plain_form_post();
        let saved = match form.parse() {
            Ok(draft) => {
                let state = app_state()?;
                let action = if id.is_some() {
                    "alert_rule.update"
                } else {
                    "alert_rule.create"
                };
                crate::alerts::ssr::manage::save(&state, actor, client, id, &draft, action).await
            }
            Err(error) => Err(error),
        };
        match saved {
            Ok(rule_id) => {
                if plain_post {
                    leptos_axum::redirect(&format!("/alerts/rules/{rule_id}"));
                }
                Ok(rule_id)
            }
            // The form is a plain HTML form (with or without JavaScript): back
            // to the editor with every field as typed and each message beside
            // its field (answered `0`: nothing saved). A name taken is the
            // name field's problem.
            Err(error) if plain_post && !matches!(error, AppError::Unauthorized | AppError::Forbidden) => {
                let errors = match error {
                    AppError::Conflict(message) => FieldErrors(vec![("name".to_string(), message)]),
                    other => FieldErrors::from(other),
                };
                let page = id.map_or_else(|| "new".to_string(), |id| id.to_string());
                leptos_axum::redirect(&crate::url::with_field_errors(
                    &format!("/alerts/rules/{page}"),
                    &form.query(),
                    &errors.0,
                ));
                Ok(0)
            }
            Err(error) => Err(error),
        }
    }

    pub async fn preview(form: RuleForm, hours: i64, run_backtest: bool) -> Result<Preview, AppError> {
        acting(Permission::ReadAlerts).await?;
        if !(1..=MAX_BACKTEST_DAYS * 24).contains(&hours) {
            return Err(AppError::validation(
                "hours",
                format!("From 1 hour to {MAX_BACKTEST_DAYS} days"),
            ));
        }
        let draft = form.parse()?;
        let condition = draft.condition();
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        let to = crate::alerts::ssr::series::evaluation_time();
        let from = to - Duration::hours(hours);
        let step = Duration::minutes(((hours * 60) / PREVIEW_POINTS).max(1));
        let minutes = load(&mut conn, &condition.watched, window(&condition.watched, from).0, to)
            .await
            .map_err(AppError::internal_in("alerts: preview"))?;
        let mut series = Vec::new();
        let mut at = from + step;
        while at <= to {
            series.push((at, value_at(&condition.watched, &minutes, at).value()));
            at += step;
        }
        let backtest = if run_backtest {
            let every = Duration::from_std(state.alert_every).unwrap_or(Duration::seconds(15));
            Some(
                backtest(&mut conn, &condition, from, to, every)
                    .await
                    .map_err(AppError::internal_in("alerts: backtest"))?,
            )
        } else {
            None
        };
        Ok(Preview {
            from,
            to,
            series,
            step_secs: step.num_seconds(),
            threshold: draft.threshold,
            recovery_threshold: draft.recovery_threshold,
            backtest,
        })
    }

    pub async fn set_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
        let Caller { actor, client, .. } = acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        let mut draft = store::get(&mut conn, id)
            .await
            .map_err(AppError::internal_in("alerts: rule"))?
            .ok_or(AppError::NotFound)?
            .draft;
        drop(conn);
        if draft.enabled == enabled {
            return Ok(());
        }
        draft.enabled = enabled;
        let action = if enabled {
            "alert_rule.enable"
        } else {
            "alert_rule.disable"
        };
        crate::alerts::ssr::manage::save(&state, actor, client, Some(id), &draft, action)
            .await
            .map(drop)
    }

    pub async fn restore(id: i64, version: i32) -> Result<i64, AppError> {
        let Caller { actor, client, .. } = acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut conn = state.connection("alerts: acquire").await?;
        let old = store::versions(&mut conn, id)
            .await
            .map_err(AppError::internal_in("alerts: versions"))?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(AppError::NotFound)?;
        drop(conn);
        crate::alerts::ssr::manage::save(&state, actor, client, Some(id), &old.definition, "alert_rule.restore").await
    }

    pub async fn delete(id: i64) -> Result<(), AppError> {
        let Caller { actor, client, .. } = acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut tx = state.begin("alerts: begin").await?;
        let before = store::get(&mut tx, id)
            .await
            .map_err(AppError::internal_in("alerts: rule"))?
            .ok_or(AppError::NotFound)?;
        store::delete(&mut tx, id)
            .await
            .map_err(AppError::internal_in("alerts: delete"))?;
        let entry = NewAuditEntry::new(actor, "alert_rule.delete", Outcome::Success, client)
            .target("alert_rule", id)
            .change(Some(json!(before.draft)), None);
        append_and_commit(tx, &state.audit_key, entry, "alerts: audit").await?;
        if crate::error::is_plain_form_post() {
            leptos_axum::redirect("/alerts/rules");
        }
        Ok(())
    }

    pub async fn acknowledge(id: i64) -> Result<(), AppError> {
        let Caller { actor, client, .. } = acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut tx = state.begin("alerts: begin").await?;
        let acknowledged = store::acknowledge(&mut tx, id, actor.id)
            .await
            .map_err(AppError::internal_in("alerts: acknowledge"))?;
        if !acknowledged {
            return Err(AppError::Conflict("Only a firing alert can be acknowledged".into()));
        }
        let entry = NewAuditEntry::new(actor, "alert.acknowledge", Outcome::Success, client).target("alert_rule", id);
        append_and_commit(tx, &state.audit_key, entry, "alerts: audit").await?;
        Ok(())
    }
}
