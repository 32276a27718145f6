//! The header's firing-alerts badge: rendered by the server with the count
//! at page load, then kept current over the live stream (`alerts` events,
//! sent when the evaluator changes a state). Shown to those who read alerts.

use leptos::prelude::*;

use crate::alerts::Severity;
use leptos_router::hooks::use_location;

use crate::alerts::api::firing_counts;
use crate::auth::UserResource;
use crate::auth::permissions::{Permission, allows};

#[component]
pub fn AlertBadge() -> impl IntoView {
    // Follows the layout's user resource (asked again on every navigation):
    // the counts for readers of alerts, `None` for everyone else (not asked).
    let user = use_context::<UserResource>();
    let location = use_location();
    let loaded = Resource::new(
        move || location.pathname.get(),
        move |_| async move {
            let user = user?.await.ok().flatten()?;
            if !allows(user.role, Permission::ReadAlerts) {
                return None;
            }
            firing_counts().await.ok()
        },
    );
    // Live counts replace the loaded ones once the stream sends any.
    let live = RwSignal::new(None::<Vec<(Severity, i64)>>);
    #[cfg(feature = "hydrate")]
    follow(live, loaded);
    view! {
        <Transition fallback=|| ()>
            {move || loaded.get().flatten().map(|loaded| {
                let counts = live.get().unwrap_or(loaded);
                let firing: i64 = counts.iter().map(|(_, n)| n).sum();
                let critical = counts.iter().any(|(s, n)| *s == Severity::Critical && *n > 0);
                let class = match (firing, critical) {
                    (0, _) => "alert-badge alert-badge-none",
                    (_, true) => "alert-badge alert-badge-critical",
                    _ => "alert-badge alert-badge-firing",
                };
                view! {
                    <a href="/alerts" class=class data-testid="alert-badge" aria-live="polite">
                        {if firing == 0 { "No alerts firing".to_string() } else { format!("{firing} firing") }}
                    </a>
                }
            })}
        </Transition>
    }
}

/// Opens `/api/v1/live?alerts=only` for readers of alerts and feeds `live`.
#[cfg(feature = "hydrate")]
fn follow(live: RwSignal<Option<Vec<(Severity, i64)>>>, loaded: Resource<Option<Vec<(Severity, i64)>>>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    struct Open {
        source: EventSource,
        _on_alerts: Closure<dyn FnMut(MessageEvent)>,
    }
    impl Drop for Open {
        fn drop(&mut self) {
            self.source.close();
        }
    }
    let open = StoredValue::new_local(None::<Open>);
    Effect::new(move |_| {
        // Only for those the server gave counts to (readers of alerts).
        if loaded.get().flatten().is_none() || open.with_value(Option::is_some) {
            return;
        }
        let Ok(source) = EventSource::new("/api/v1/live?alerts=only") else {
            return;
        };
        let on_alerts = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(counts) = event.data().as_string().and_then(|t| serde_json::from_str(&t).ok()) {
                live.set(Some(counts));
            }
        });
        if source
            .add_event_listener_with_callback("alerts", on_alerts.as_ref().unchecked_ref())
            .is_ok()
        {
            open.set_value(Some(Open {
                source,
                _on_alerts: on_alerts,
            }));
        }
    });
    on_cleanup(move || {
        open.try_set_value(None);
    });
}
