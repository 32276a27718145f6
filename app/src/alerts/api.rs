//! The rule pages' server functions. Reading needs `ReadAlerts`; every
//! change needs `EditAlertRules` and is audited in the same transaction
//! (`ssr::manage`). What they answer is in `views.rs`.

use leptos::prelude::*;

use super::Severity;
use super::form::RuleForm;
use super::rule::Rule;
#[cfg(feature = "ssr")]
use super::ssr::{form_post, manage, overview, preview, store};
use super::views::{AlertsOverview, EventFilter, Preview, RuleDetail};
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

#[server(endpoint = "alerts/overview")]
pub async fn get_alerts(#[server(default)] filter: EventFilter) -> Result<AlertsOverview, AppError> {
    let caller = acting(Permission::ReadAlerts).await?;
    let mut conn = app_state()?.connection("alerts: acquire").await?;
    respond(overview::overview(&mut conn, &filter, caller.role()).await)
}

/// Firing alerts per severity (critical, warning, info), for the Overview
/// (read once for everyone who may: `overview_reads`).
#[server(endpoint = "alerts/firing")]
pub async fn firing_counts() -> Result<Vec<(Severity, i64)>, AppError> {
    acting(Permission::ReadAlerts).await?;
    respond(crate::overview_data::firing_counts(&app_state()?).await)
}

/// Every rule, and whether the caller may edit them.
#[server(endpoint = "alerts/rules")]
pub async fn list_rules() -> Result<(Vec<Rule>, bool), AppError> {
    let caller = acting(Permission::ReadAlerts).await?;
    let mut conn = app_state()?.connection("alerts: acquire").await?;
    let rules = store::list(&mut conn)
        .await
        .map_err(AppError::internal_in("alerts: rules"));
    respond(rules.map(|rules| (rules, caller.may(Permission::EditAlertRules))))
}

#[server(endpoint = "alerts/rule")]
pub async fn get_rule(id: i64) -> Result<RuleDetail, AppError> {
    let caller = acting(Permission::ReadAlerts).await?;
    let mut conn = app_state()?.connection("alerts: acquire").await?;
    respond(overview::detail(&mut conn, id, caller.role()).await)
}

/// Creates (`id` empty) or updates a rule; answers its id. A plain form post
/// is redirected to the rule's page, or when refused back to the editor
/// with every field as typed and each message beside its field (answered
/// `0`: nothing saved).
#[server(endpoint = "alerts/save")]
pub async fn save_rule(#[server(default)] id: Option<i64>, rule: RuleForm) -> Result<i64, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    manage::save_from_editor(&app_state()?, &caller, id, &rule).await
}

/// The draft's series over the last `hours` (1–168) and, with `backtest`,
/// when it would have fired and resolved. A log rule's preview counts log
/// lines, so it needs `ReadLogs` too (refused and audited as any refusal).
#[server(endpoint = "alerts/preview")]
pub async fn preview_rule(
    rule: RuleForm,
    #[server(default)] hours: Option<i64>,
    #[server(default)] backtest: bool,
) -> Result<Preview, AppError> {
    acting(Permission::ReadAlerts).await?;
    // A log rule's preview counts lines for any query it is given.
    if rule.aggregation.trim() == super::Aggregation::LogLines.as_str() {
        acting(Permission::ReadLogs).await?;
    }
    let state = app_state()?;
    let mut conn = state.connection("alerts: acquire").await?;
    // A backtest evaluates as often as the evaluator does.
    let every = chrono::Duration::from_std(state.alert_every).unwrap_or(chrono::Duration::seconds(15));
    respond(preview::preview(&mut conn, &rule, hours.unwrap_or(24), backtest.then_some(every)).await)
}

#[server(endpoint = "alerts/set-enabled")]
pub async fn set_rule_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let change = caller.audited(&app_state()?, "alerts: begin").await?;
    respond(manage::set_enabled(change, id, enabled).await)
}

/// Deletes a rule; a plain form post is redirected to the rules.
#[server(endpoint = "alerts/delete")]
pub async fn delete_rule(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let change = caller.audited(&app_state()?, "alerts: begin").await?;
    respond(manage::delete(change, id).await)?;
    form_post::redirect_on_success("/alerts/rules", ());
    Ok(())
}

/// Saves an old version's definition as the rule's newest version.
#[server(endpoint = "alerts/restore")]
pub async fn restore_rule_version(id: i64, version: i32) -> Result<i64, AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let change = caller.audited(&app_state()?, "alerts: begin").await?;
    respond(manage::restore(change, id, version).await)
}

/// Marks a firing alert as seen by the caller (it does not silence it).
#[server(endpoint = "alerts/acknowledge")]
pub async fn acknowledge_alert(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::EditAlertRules).await?;
    let change = caller.audited(&app_state()?, "alerts: begin").await?;
    respond(manage::acknowledge(change, id).await)
}
