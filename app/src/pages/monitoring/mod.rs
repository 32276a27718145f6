//! Settings › Monitoring (`/settings/monitoring`, admins only): retention,
//! the Overview tiles' thresholds, the health checks' thresholds, the
//! collector's interval and the errors' extra scrubbed keys, each with where
//! its value comes from. Works without JavaScript: a refused post comes back
//! with every field as typed and each field's message.

mod form;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::monitoring::{SaveMonitoringSettings, get_monitoring_settings};
use form::SettingsForm;

#[component]
pub fn MonitoringSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveMonitoringSettings>::new();
    // The form is drawn again only after a save went through, so a refused
    // save (with JavaScript) keeps what was typed.
    let saved_version = move || {
        save.value()
            .with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|p| p.version))
    };
    let page = Resource::new(saved_version, |_| get_monitoring_settings());
    // The version a save must name: read again after every attempt, so a
    // save refused as stale can be made again on purpose.
    let latest = Resource::new(move || save.version().get(), |_| get_monitoring_settings());
    view! {
        <Title text="Monitoring settings" />
        <p class="breadcrumb"><a href="/settings">"Settings"</a>" › Monitoring"</p>
        <h1>"Monitoring settings"</h1>
        <p class="muted">
            "How long data is kept and when things count as slow or down. A value set here applies on every \
             Opsdeck instance within seconds, without a restart; leave a field empty to use the environment \
             variable's value or the default."
        </p>
        <SaveNotice save />
        <Transition fallback=|| view! { <p class="muted">"Loading the monitoring settings…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(current) => view! { <SettingsForm save current latest /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the monitoring settings: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

/// "Saved" after a save with JavaScript (without it, the page shows the new
/// version and who saved it).
#[component]
fn SaveNotice(save: ServerAction<SaveMonitoringSettings>) -> impl IntoView {
    let saved = move || {
        save.value().get().and_then(|result: Result<_, AppError>| result.ok()).map(|page| {
            view! { <p class="success" role="status">{format!("Saved: version {} applies now on every instance.", page.version)}</p> }
        })
    };
    view! { <div aria-live="polite">{saved}</div> }
}
