//! Scheduled reports' server functions. Posting to a channel is the
//! channels' admins' business (`ManageChannels`); every change is audited
//! (`ssr::schedules`).

use leptos::prelude::*;

use super::schedule::{ReportSchedule, ScheduleForm};
#[cfg(feature = "ssr")]
use super::ssr::schedules;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::respond, state::app_state};

#[server(endpoint = "reports/schedules")]
pub async fn list_report_schedules() -> Result<Vec<ReportSchedule>, AppError> {
    acting(Permission::ManageChannels).await?;
    let state = app_state()?;
    let mut conn = state.connection("report schedules: acquire").await?;
    let listed = schedules::list(&mut conn).await;
    respond(listed.map_err(AppError::internal_in("report schedules: list")))
}

/// Creates (`id` empty) or changes a schedule; answers its id.
#[server(endpoint = "reports/schedule-save")]
pub async fn save_report_schedule(#[server(default)] id: Option<i64>, schedule: ScheduleForm) -> Result<i64, AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let draft = respond(schedule.parse())?;
    let change = caller.audited(&app_state()?, "report schedules: begin").await?;
    respond(schedules::save(change, id, &draft).await)
}

#[server(endpoint = "reports/schedule-delete")]
pub async fn delete_report_schedule(id: i64) -> Result<(), AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let change = caller.audited(&app_state()?, "report schedules: begin").await?;
    respond(schedules::delete(change, id).await)
}

/// Posts the schedule's summary now; answers the delivery's id (its
/// outcome shows in the channel's delivery log).
#[server(endpoint = "reports/schedule-send")]
pub async fn send_report_now(id: i64) -> Result<i64, AppError> {
    let caller = acting(Permission::ManageChannels).await?;
    let change = caller.audited(&app_state()?, "report schedules: begin").await?;
    respond(schedules::send_now(change, id, chrono::Utc::now()).await)
}
