//! The Live toggle: while on, an `EventSource` on `/api/v1/live?service=…`
//! feeds each `point` event (a `LivePoint` for one minute) into the charts'
//! series. Off, the charts stay as the server sent them. It exists only with
//! JavaScript, so it is rendered after hydration.

use chrono::Duration;
use leptos::prelude::*;

use crate::components::live_stream::{LiveCheckbox, LiveState};
use crate::metrics::LatencyPoint;

#[component]
pub fn LiveToggle(service: String, series: RwSignal<Vec<LatencyPoint>>, keep: Duration) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(LiveState::Off);
    #[cfg(feature = "hydrate")]
    stream::follow(service, series, keep, state);
    #[cfg(not(feature = "hydrate"))]
    let _ = (service, series, keep);
    let status = move || match state.get() {
        LiveState::Off => None,
        LiveState::Connecting => Some(("live-status muted", "Connecting…")),
        LiveState::Streaming => Some(("live-status live-on", "Streaming new minutes")),
        LiveState::Unavailable => Some(("live-status error", "Live updates unavailable")),
    };
    view! {
        <Show when=move || hydrated.get()>
            <div class="live-toggle">
                <LiveCheckbox state />
                {move || status().map(|(class, text)| view! { <span class=class role="status">{text}</span> })}
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod stream {
    use chrono::Duration;
    use leptos::prelude::*;

    use crate::components::live_stream::{self, LiveState};
    use crate::metrics::pages::merge_live_point;
    use crate::metrics::{LatencyPoint, LivePoint};
    use crate::url::percent_encode;

    /// Feeds the service's `point` events into `series` while `state` is on.
    pub fn follow(service: String, series: RwSignal<Vec<LatencyPoint>>, keep: Duration, state: RwSignal<LiveState>) {
        let url = format!("/api/v1/live?service={}", percent_encode(&service));
        live_stream::follow(url, "point", state, move |point: LivePoint| {
            series.update(|points| {
                merge_live_point(points, &service, &point, keep);
            });
        });
    }
}
