//! Settings › Monitoring's server functions (admins only:
//! `ManageMonitoringSettings`). Each authorises, parses, then calls `ssr`.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::MonitoringPage;
#[cfg(feature = "ssr")]
use crate::auth::{permissions::Permission, ssr::acting};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::state::app_state;

/// Every value with its source, and the version a save must name.
#[server(endpoint = "monitoring/get")]
pub async fn get_monitoring_settings() -> Result<MonitoringPage, AppError> {
    respond(
        async {
            let _caller = acting(Permission::ManageMonitoringSettings).await?;
            super::ssr::page(&app_state()?).await
        }
        .await,
    )
}

/// Saves the page's values (`form[<field>]`; empty: inherit). `version` is
/// the one the form was opened with; a shorter retention needs `confirm_deletion`.
#[server(endpoint = "monitoring/save")]
pub async fn save_monitoring_settings(
    version: i64,
    #[server(default)] form: BTreeMap<String, String>,
    #[server(default)] confirm_deletion: bool,
) -> Result<MonitoringPage, AppError> {
    respond(
        async {
            let caller = acting(Permission::ManageMonitoringSettings).await?;
            let state = app_state()?;
            let page = super::parse_form(&form, state.monitoring.baseline())?;
            super::ssr::save::save(&state, caller, version, page, confirm_deletion).await
        }
        .await,
    )
}
