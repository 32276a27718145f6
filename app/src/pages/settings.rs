//! `/settings`: the settings areas the signed-in user may open.

use leptos::prelude::*;
use leptos_meta::Title;

use super::Area;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <h1>"Settings"</h1>
        <p class="muted">{Area::Settings.purpose()}</p>
        <Transition fallback=|| ()>
            {move || use_current_user().map(|user| {
                if allows(user.role, Permission::ManageApiKeys) {
                    view! {
                        <ul class="settings-list">
                            <li>
                                <a href="/settings/api-keys">"API keys"</a>
                                <span class="muted">" — keys machines use to send metrics to Opsdeck"</span>
                            </li>
                            {allows(user.role, Permission::ManageMonitoringSettings).then(|| view! {
                                <li>
                                    <a href="/settings/monitoring">"Monitoring"</a>
                                    <span class="muted">" — retention, Overview and health thresholds, the collector's interval, scrubbed keys"</span>
                                </li>
                            })}
                            {allows(user.role, Permission::ManageScrapeTargets).then(|| view! {
                                <li>
                                    <a href="/settings/scrape-targets">"Scrape targets"</a>
                                    <span class="muted">" — Prometheus endpoints Opsdeck reads (node exporter, services' /metrics)"</span>
                                </li>
                            })}
                            {allows(user.role, Permission::ManageChannels).then(|| view! {
                                <li>
                                    <a href="/alerts/channels">"Notification channels"</a>
                                    <span class="muted">" — webhooks and Slack that alerts are sent to"</span>
                                </li>
                            })}
                        </ul>
                    }
                    .into_any()
                } else {
                    view! {
                        <div class="empty-state">
                            <p>"Your role has no settings to change."</p>
                        </div>
                    }
                    .into_any()
                }
            })}
        </Transition>
    }
}
